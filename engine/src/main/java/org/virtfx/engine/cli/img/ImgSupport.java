package org.virtfx.engine.cli.img;

/** Small checks shared by the img subcommands. */
final class ImgSupport {
    private ImgSupport() {
    }

    static boolean jsonOutput(String output) {
        return switch (output) {
            case "json" -> true;
            case "human" -> false;
            default -> throw new IllegalArgumentException("--output must be human or json (got '" + output + "')");
        };
    }
}
