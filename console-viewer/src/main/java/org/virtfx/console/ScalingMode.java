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

    /** The scale on a screen of output scale 1; see {@link #scale(int, int, double, double, double)}. */
    public double scale(int fbW, int fbH, double areaW, double areaH) {
        return scale(fbW, fbH, areaW, areaH, 1);
    }

    /**
     * The scale (in the window's logical pixels) for a {@code fbW x fbH} screen in a {@code areaW x areaH} area on a
     * screen whose output scale is {@code outputScale} (1.25, 1.5, 2 on HiDPI desktops). Wherever the mode allows,
     * the result puts each guest pixel on a whole number of physical pixels ({@code scale * outputScale} is an
     * integer), so the screen can be drawn pixel-exact without smoothing: 1:1 is the whole number of physical pixels
     * nearest to one logical pixel, a fit that is at least one physical pixel per guest pixel is rounded down to a
     * whole number, and only a screen shrunk below that is scaled smoothly.
     */
    public double scale(int fbW, int fbH, double areaW, double areaH, double outputScale) {
        double os = outputScale > 0 && Double.isFinite(outputScale) ? outputScale : 1;
        double natural = Math.max(1, Math.round(os)) / os;
        if (fbW <= 0 || fbH <= 0 || areaW <= 0 || areaH <= 0) {
            return natural;
        }
        double fit = Math.min(areaW / fbW, areaH / fbH);
        return switch (this) {
            case NEVER -> natural;
            case WHEN_SMALLER -> fit >= natural ? natural : wholePhysical(fit, os);
            case ALWAYS -> wholePhysical(fit, os);
        };
    }

    /**
     * {@code fit} rounded down to whole physical pixels per guest pixel, or {@code fit} itself below one. At a
     * fractional output scale an upscale is rounded down to an even count: JavaFX draws a canvas there through a
     * texture at the next whole scale, and odd counts (3 at 150 %) came out partly blended on a real screen.
     */
    private static double wholePhysical(double fit, double os) {
        double physical = Math.floor(fit * os + 1e-9);
        if (physical > 2 && os != Math.rint(os) && physical % 2 != 0) {
            physical--;
        }
        return physical >= 1 ? physical / os : fit;
    }

    /** Whether {@code scale} puts every guest pixel on a whole number (at least one) of physical pixels. */
    public static boolean isWholePhysical(double scale, double outputScale) {
        double physical = scale * outputScale;
        return physical >= 1 - 1e-9 && Math.abs(physical - Math.rint(physical)) < 1e-6;
    }
}
