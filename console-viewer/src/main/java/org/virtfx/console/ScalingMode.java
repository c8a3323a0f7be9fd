package org.virtfx.console;

/** How the console fits the guest screen into its area, as virt-manager offers it. */
public enum ScalingMode {
    /** One guest pixel per screen pixel; larger screens are cut off (scroll by resizing the window). */
    NEVER("Never"),
    /** Shrink to fit when the window is smaller than the guest screen, otherwise 1:1. */
    WHEN_SMALLER("Only when the window is smaller"),
    /** Always fill the window, keeping the aspect ratio. */
    ALWAYS("Always");

    private final String label;

    ScalingMode(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }

    /**
     * The scale for a {@code fbW x fbH} screen in a {@code areaW x areaH} area. When the fitted scale is at least 1 in
     * ALWAYS mode it is rounded down to a whole number, so that upscaled screens stay pixel-exact (crisp).
     */
    public double scale(int fbW, int fbH, double areaW, double areaH) {
        if (fbW <= 0 || fbH <= 0 || areaW <= 0 || areaH <= 0) {
            return 1;
        }
        double fit = Math.min(areaW / fbW, areaH / fbH);
        return switch (this) {
            case NEVER -> 1;
            case WHEN_SMALLER -> Math.min(1, fit);
            case ALWAYS -> fit >= 1 ? Math.floor(fit) : fit;
        };
    }
}
