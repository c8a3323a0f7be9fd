package org.virtfx.engine.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.virtfx.engine.boot.KernelImage;
import org.virtfx.engine.display.AbsolutePointerInput;
import org.virtfx.engine.display.DisplaySurface;
import org.virtfx.engine.display.KeyCombos;
import org.virtfx.engine.display.KeyboardInput;
import org.virtfx.engine.display.PointerInput;
import org.virtfx.engine.display.ScreenTextSource;
import org.virtfx.engine.display.ScreenshotSource;
import org.virtfx.engine.library.MacAddresses;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmLibrary;
import org.virtfx.engine.machine.BoardFactory;
import org.virtfx.engine.machine.Machine;
import org.virtfx.engine.machine.MachineConfig;
import org.virtfx.engine.machine.MachineEvent;
import org.virtfx.engine.machine.MachineListener;
import org.virtfx.engine.machine.MachineState;
import org.virtfx.engine.machine.NicConfig;
import org.virtfx.engine.machine.SerialOutput;
import org.virtfx.engine.net.HostForward;
import org.virtfx.engine.platform.NetworkCards;
import org.virtfx.engine.platform.PcBoardFactory;
import org.virtfx.engine.storage.DiskImages;
import org.virtfx.engine.virtio.VirtioInput;
import org.virtfx.engine.vnc.VncServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `virtfx run`: one machine, headless, with its serial console on the terminal. */
@Command(name = "run", sortOptions = false, showDefaultValues = true, mixinStandardHelpOptions = true,
        description = {"Run a virtual machine headless, with its first serial port on this terminal.",
                "Exit status: 0 guest powered off or an expectation matched, 1 bad argument or file, 2 timeout, "
                        + "3 guest crashed (registers printed), (v<<1)|1 when the guest wrote v to --exit-device, "
                        + "130 Ctrl+C."})
public final class RunCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME",
            description = "Run this machine of the VirtFX library (as the desktop app defined it); the hardware options "
                    + "below are then ignored.")
    String machineName;

    /** Where NAME is looked up; tests point it elsewhere. */
    VmLibrary library = VmLibrary.standard();

    @Option(names = {"-m", "--memory"}, paramLabel = "SIZE", defaultValue = "512M",
            description = "Guest RAM in QEMU syntax: 512 (MiB), 512M, 2G.")
    String memory;

    @Option(names = {"-c", "--cpus"}, paramLabel = "N", defaultValue = "1", description = "Number of vCPUs (1-64).")
    int cpus;

    @Option(names = "--bios", paramLabel = "FILE", description = "Firmware image. Default: Debian's SeaBIOS "
            + "(/usr/share/seabios/bios-256k.bin or the guest cache) unless --kernel is given (direct boot).")
    Path bios;

    @Option(names = "--kernel", paramLabel = "FILE", description = "Boot this Linux bzImage or multiboot kernel directly.")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "FILE", description = "Initial ramdisk for --kernel (multiboot: modules, comma-separated).")
    String initrd;

    @Option(names = "--append", paramLabel = "CMDLINE", defaultValue = "", description = "Kernel command line for --kernel.")
    String append;

    @Option(names = "--cdrom", paramLabel = "ISO", description = "ISO image in the ATAPI CD-ROM (secondary master).")
    Path cdrom;

    @Option(names = "--disk", paramLabel = "IMAGE[,format=FMT]",
            description = "Disk image on the IDE bus (repeatable; any format `virtfx img` reads; format=raw|qcow2|"
                    + "vdi|vmdk|vpc|vhdx skips probing, which a raw disk should always give).")
    List<String> disks = new ArrayList<>();

    @Option(names = "--nic", paramLabel = "user|none[,model=M][,mac=MAC][,hostfwd=RULE]",
            description = "A network card (repeatable; none by default). user: NAT through the host's sockets (guest "
                    + "10.0.2.15 by DHCP, host and gateway 10.0.2.2, DNS 10.0.2.3); none: no card. model=virtio-net "
                    + "(default); mac= default 52:54:00:12:34:56 counting up per card; hostfwd=[tcp|udp]:[HOSTADDR]:"
                    + "HOSTPORT-[GUESTADDR]:GUESTPORT forwards a host port (127.0.0.1 unless HOSTADDR) to the guest, "
                    + "repeatable.")
    List<String> nics = new ArrayList<>();

    @Option(names = "--input", paramLabel = "tablet|keyboard|mouse",
            description = "A virtio input device on the PCI slots after the network cards (repeatable; the PS/2 "
                    + "keyboard and mouse are always there). A tablet takes the VNC pointer as absolute positions; host "
                    + "keys go to the PS/2 keyboard.")
    List<String> inputs = new ArrayList<>();

    @Option(names = "--serial", paramLabel = "stdio|file:PATH|none", defaultValue = "stdio",
            description = "Where the first serial port goes.")
    String serial;

    @Option(names = "--serial2", paramLabel = "file:PATH|none", defaultValue = "none",
            description = "Append the guest's output on COM2 (ttyS1) to PATH (created if missing; its folder must exist).")
    String serial2;

    @Option(names = "--serial3", paramLabel = "file:PATH|none", defaultValue = "none",
            description = "The same for COM3 (ttyS2).")
    String serial3;

    @Option(names = "--serial4", paramLabel = "file:PATH|none", defaultValue = "none",
            description = "The same for COM4 (ttyS3).")
    String serial4;

    @Option(names = "--display", paramLabel = "none|vnc:PORT", defaultValue = "none",
            description = "Show the screen over VNC on 127.0.0.1:PORT (5900+N as display :N).")
    String display;

    @Option(names = "--vnc-password-file", paramLabel = "FILE",
            description = "Require VNC Authentication with the password on the first line of FILE (at most 8 characters count).")
    Path vncPasswordFile;

    @Option(names = "--expect-serial", paramLabel = "REGEX", description = "Exit 0 as soon as the serial output matches REGEX.")
    String expectSerial;

    @Option(names = "--expect-screen", paramLabel = "REGEX", description = "Exit 0 as soon as the screen text (OCR in graphics modes) matches REGEX.")
    String expectScreen;

    @Option(names = "--send-keys-after", paramLabel = "REGEX:KEYS",
            description = "Once the screen text matches REGEX, type KEYS (QEMU sendkey names, e.g. 'ret', 'down down ret', "
                    + "'shift-a', 'ctrl-alt-delete'). Repeatable: the steps run in order, and --expect-screen is "
                    + "checked only after the last one.")
    List<String> sendKeysAfter = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0", description = "Exit 2 after this many seconds (0: no limit).")
    double timeout;

    @Option(names = "--screenshot", paramLabel = "PATH.png", description = "Save a PNG of the screen when the run ends.")
    Path screenshot;

    @Option(names = "--exit-device", description = "Add QEMU's isa-debug-exit at port 0xf4: a guest write of v exits with (v<<1)|1.")
    boolean exitDevice;

    @Option(names = "--on-triple-fault", paramLabel = "crash|reset", defaultValue = "crash",
            description = "What a triple fault does.")
    String onTripleFault;

    @Option(names = "--trace-cpu", paramLabel = "FILE",
            description = "Write the first vCPU's registers before every instruction to FILE (vCPU N's to FILE.cpuN), "
                    + "in the format of qemu -d cpu -singlestep (compare with `virtfx trace-diff`).")
    Path traceCpu;

    @Option(names = "--trace-cpu-limit", paramLabel = "N", defaultValue = "2000000",
            description = "Instructions --trace-cpu records before it closes the file (about 1 KB each).")
    long traceCpuLimit;

    private final BoardFactory boardFactory;
    private InputStream stdin = System.in;
    private OutputStream stdout = System.out;

    public RunCommand() {
        this(new PcBoardFactory());
    }

    /** For tests and embedders: run on another board and with other standard streams. */
    public RunCommand(BoardFactory boardFactory) {
        this.boardFactory = boardFactory;
    }

    public RunCommand withStreams(InputStream in, OutputStream out) {
        this.stdin = in;
        this.stdout = out;
        return this;
    }

    /** Validates the options into a machine configuration; every message names the bad value or file. */
    MachineConfig toConfig() throws IOException {
        long mem;
        try {
            mem = SizeParser.parse(memory, MachineConfig.MIB);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--memory: " + e.getMessage());
        }
        if (mem < MachineConfig.MIB) {
            throw new UsageException("--memory: must be at least 1 MiB, got '" + memory + "'");
        }
        if (mem % MachineConfig.MIB != 0) {
            throw new UsageException("--memory: must be a whole number of MiB, got '" + memory + "'");
        }
        if (mem > MachineConfig.MAX_MEMORY) {
            throw new UsageException("--memory: at most 1T, got '" + memory + "'");
        }
        if (cpus < 1 || cpus > MachineConfig.MAX_CPUS) {
            throw new UsageException("--cpus: must be between 1 and " + MachineConfig.MAX_CPUS + ", got " + cpus);
        }
        if (timeout < 0) {
            throw new UsageException("--timeout: must not be negative, got " + timeout);
        }
        compile("--expect-serial", expectSerial);
        compile("--expect-screen", expectScreen);
        if (!serial.equals("stdio") && !serial.equals("none") && !serial.startsWith("file:")) {
            throw new UsageException("--serial: expected stdio, file:PATH or none, got '" + serial + "'");
        }
        if (!display.equals("none") && !display.matches("vnc:(\\d+|:\\d+)")) {
            throw new UsageException("--display: expected none or vnc:PORT, got '" + display + "'");
        }
        if (!onTripleFault.equals("crash") && !onTripleFault.equals("reset")) {
            throw new UsageException("--on-triple-fault: expected crash or reset, got '" + onTripleFault + "'");
        }
        if (screenshot != null && !screenshot.getFileName().toString().toLowerCase().endsWith(".png")) {
            throw new UsageException("--screenshot: the file name must end in .png: " + screenshot);
        }
        if (vncPasswordFile != null && display.equals("none")) {
            throw new UsageException("--vnc-password-file needs --display vnc:PORT");
        }
        requireFile("--vnc-password-file", vncPasswordFile);
        requireFile("--bios", bios);
        requireFile("--cdrom", cdrom);
        List<Path> diskFiles = new ArrayList<>();
        List<String> diskFormats = new ArrayList<>();
        for (String d : disks) {
            String fmt = null;
            String file = d;
            int comma = d.lastIndexOf(",format=");
            if (comma >= 0) {
                file = d.substring(0, comma);
                fmt = d.substring(comma + ",format=".length());
                try {
                    DiskImages.format(fmt);
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--disk " + d + ": " + e.getMessage());
                }
            }
            requireFile("--disk", Path.of(file));
            diskFiles.add(Path.of(file));
            diskFormats.add(fmt);
        }
        Path initrdPath = null;
        if (initrd != null) {
            if (kernel == null) {
                throw new UsageException("--initrd needs --kernel");
            }
            for (String part : initrd.split(",")) {
                requireFile("--initrd", Path.of(part));
            }
            initrdPath = Path.of(initrd);
        }
        if (kernel != null) {
            requireFile("--kernel", kernel);
            KernelImage.detect(kernel);
        } else if (!append.isEmpty()) {
            throw new UsageException("--append needs --kernel");
        }
        return new MachineConfig("run", mem, cpus, bios, kernel, initrdPath, append, cdrom, diskFiles, exitDevice,
                onTripleFault.equals("reset") ? MachineConfig.TripleFaultAction.RESET : MachineConfig.TripleFaultAction.CRASH,
                diskFormats, parseNics(nics), parseInputs(inputs), parseSerialOutputs());
    }

    /** The --input options, each checked against the emulated kinds. */
    static List<String> parseInputs(List<String> specs) {
        for (String spec : specs) {
            try {
                VirtioInput.Kind.parse(spec);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--input: " + e.getMessage());
            }
        }
        return List.copyOf(specs);
    }

    /** The log files of --serial2..--serial4 ("file:PATH" or "none"); the files are opened when the machine starts. */
    private List<SerialOutput> parseSerialOutputs() {
        List<SerialOutput> outputs = new ArrayList<>();
        String[] specs = {serial2, serial3, serial4};
        for (int i = 0; i < specs.length; i++) {
            String spec = specs[i];
            int port = i + 2;
            if (spec.startsWith("file:") && spec.length() > 5) {
                outputs.add(new SerialOutput(port, Path.of(spec.substring(5))));
            } else if (!spec.equals("none")) {
                throw new UsageException("--serial" + port + ": expected file:PATH or none, got '" + spec + "'");
            }
        }
        return outputs;
    }

    /**
     * The cards of the --nic options, QEMU's {@code -nic} syntax: a network type first, then key=value options. "none"
     * adds no card (as QEMU's {@code -nic none}); the model is checked by the board when the machine starts.
     */
    static List<NicConfig> parseNics(List<String> specs) {
        List<NicConfig> out = new ArrayList<>();
        for (String spec : specs) {
            String[] parts = spec.split(",", -1);
            String network = parts[0].strip();
            if (network.equals("none")) {
                if (parts.length > 1) {
                    throw new UsageException("--nic " + spec + ": 'none' takes no options");
                }
                continue;
            }
            if (!network.equals(NicConfig.USER)) {
                throw new UsageException("--nic " + spec + ": expected user or none first, got '" + network + "'");
            }
            String model = NetworkCards.DEFAULT_MODEL;
            String mac = NicConfig.defaultMac(out.size());
            List<HostForward> forwards = new ArrayList<>();
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].strip();
                int eq = p.indexOf('=');
                String key = eq < 0 ? p : p.substring(0, eq);
                String value = eq < 0 ? "" : p.substring(eq + 1);
                if (eq < 0 || value.isEmpty()) {
                    throw new UsageException("--nic " + spec + ": expected KEY=VALUE, got '" + p + "'");
                }
                try {
                    switch (key) {
                        case "model" -> model = value;
                        case "mac" -> mac = MacAddresses.parse(value);
                        case "hostfwd" -> forwards.add(HostForward.parse(value));
                        default -> throw new UsageException("--nic " + spec + ": unknown option '" + key
                                + "' (known: model, mac, hostfwd)");
                    }
                } catch (UsageException e) {
                    throw e;
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--nic " + spec + ": " + e.getMessage());
                }
            }
            out.add(new NicConfig(model, mac, NicConfig.USER, forwards));
        }
        return out;
    }

    /** The configuration of library machine NAME; every message names the machine or the file. */
    MachineConfig libraryConfig() throws IOException {
        for (var entry : library.list()) {
            if (entry.broken() && entry.displayName().equals(machineName)) {
                throw new UsageException("machine '" + machineName + "' cannot be read: " + entry.error());
            }
        }
        VmDefinition def = library.find(machineName).orElseThrow(() -> new UsageException(
                "no machine called '" + machineName + "' in " + library.directory()));
        return def.toMachineConfig();
    }

    private static Pattern compile(String option, String regex) {
        if (regex == null) {
            return null;
        }
        try {
            return Pattern.compile(regex, Pattern.MULTILINE);
        } catch (PatternSyntaxException e) {
            throw new UsageException(option + ": not a valid regular expression: " + e.getDescription() + " in '" + regex + "'");
        }
    }

    /** A --send-keys-after step: keys typed once the screen matches. */
    record KeyStep(Pattern screen, List<List<Integer>> keys) {
    }

    /** The --send-keys-after steps in order; the last ':' separates REGEX from KEYS, as key names have none. */
    List<KeyStep> keySteps() {
        List<KeyStep> steps = new ArrayList<>();
        for (String step : sendKeysAfter) {
            int colon = step.lastIndexOf(':');
            if (colon <= 0) {
                throw new UsageException("--send-keys-after: expected REGEX:KEYS, got '" + step + "'");
            }
            try {
                steps.add(new KeyStep(compile("--send-keys-after", step.substring(0, colon)),
                        KeyCombos.parse(step.substring(colon + 1))));
            } catch (UsageException e) {
                throw e;
            } catch (IllegalArgumentException e) {
                throw new UsageException("--send-keys-after: " + e.getMessage());
            }
        }
        return steps;
    }

    private static void requireFile(String option, Path p) {
        if (p != null && !Files.isRegularFile(p)) {
            throw new UsageException(option + ": no such file: " + p);
        }
        if (p != null && !Files.isReadable(p)) {
            throw new UsageException(option + ": cannot read file: " + p);
        }
    }

    /** A bad argument; picocli's handler prints the message and exits 1. */
    static final class UsageException extends IllegalArgumentException {
        UsageException(String message) {
            super(message);
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        MachineConfig config;
        try {
            config = machineName != null ? libraryConfig() : toConfig();
            keySteps();
        } catch (IOException | IllegalArgumentException e) {
            err.println("virtfx run: " + e.getMessage());
            return ExitStatus.BAD_INPUT;
        }
        return runMachine(config, err);
    }

    /** The VNC port of {@code --display vnc:N} (a port) or {@code vnc::N} (display N = port 5900+N); -1 for none. */
    static int vncPort(String display) {
        if (!display.startsWith("vnc:")) {
            return -1;
        }
        String v = display.substring(4);
        return v.startsWith(":") ? 5900 + Integer.parseInt(v.substring(1)) : Integer.parseInt(v);
    }

    private VncServer startVnc(Machine machine, PrintWriter err) throws IOException {
        int port = vncPort(display);
        if (port < 0) {
            return null;
        }
        if (port > 65535) {
            throw new IOException("--display: port " + port + " is out of range");
        }
        var board = machine.board();
        var surface = board.flatMap(b -> b.lookup(DisplaySurface.class));
        if (surface.isEmpty()) {
            throw new IOException("--display: this machine has no display device to show over VNC");
        }
        String password = null;
        if (vncPasswordFile != null) {
            List<String> lines = Files.readAllLines(vncPasswordFile);
            password = lines.isEmpty() ? "" : lines.get(0).strip();
            if (password.isEmpty()) {
                throw new IOException("--vnc-password-file: " + vncPasswordFile + " has no password on its first line");
            }
            if (password.length() > 8) {
                err.println("virtfx run: warning: VNC Authentication uses only the first 8 characters of the password");
            }
        }
        VncServer server = VncServer.onLoopback(port, "VirtFX " + machine.config().name(), surface.get(),
                board.flatMap(b -> b.lookup(KeyboardInput.class)).orElse(null),
                board.flatMap(b -> b.lookup(PointerInput.class)).orElse(null), password)
                .useAbsolutePointer(board.flatMap(b -> b.lookup(AbsolutePointerInput.class)).orElse(null));
        err.println("virtfx run: VNC server on 127.0.0.1:" + server.port());
        err.flush();
        return server;
    }

    /** Types key combinations on the machine's keyboard, a little apart so that the guest sees separate strokes. */
    private static void typeKeys(Machine machine, List<List<Integer>> keys, PrintWriter err) throws InterruptedException {
        var keyboard = machine.board().flatMap(b -> b.lookup(KeyboardInput.class));
        if (keyboard.isEmpty()) {
            err.println("virtfx run: warning: --send-keys-after: this machine has no keyboard");
            err.flush();
            return;
        }
        for (List<Integer> combo : keys) {
            KeyCombos.send(keyboard.get(), combo);
            Thread.sleep(KEY_GAP_MS);
        }
    }

    /** Pause between typed combinations, in host time: enough for a slow guest's keyboard interrupt to run. */
    private static final long KEY_GAP_MS = 150;

    private int runMachine(MachineConfig config, PrintWriter err) throws IOException {
        if (traceCpu != null) {
            // read by the software CPU when the board creates it
            System.setProperty(org.virtfx.engine.cpu.SoftwareCpu.TRACE_PROPERTY, traceCpu.toString());
            System.setProperty(org.virtfx.engine.cpu.SoftwareCpu.TRACE_LIMIT_PROPERTY, Long.toString(traceCpuLimit));
        }
        Pattern serialPattern = compile("--expect-serial", expectSerial);
        Pattern screenPattern = compile("--expect-screen", expectScreen);
        List<KeyStep> keySteps = keySteps();
        int nextStep = 0;
        CountDownLatch done = new CountDownLatch(1);
        AtomicInteger status = new AtomicInteger(-1);
        SerialLog serialLog = new SerialLog();
        try (Machine machine = new Machine(config, boardFactory);
             SerialBackend backend = SerialBackend.open(serial, machine.serial(0), stdin, stdout)) {
            machine.serial(0).addListener(serialLog::append);
            machine.addListener(new MachineListener() {
                @Override
                public void stateChanged(Machine m, MachineState oldState, MachineState newState) {
                    if (newState == MachineState.SHUT_OFF) {
                        status.compareAndSet(-1, m.exitCode());
                        done.countDown();
                    } else if (newState == MachineState.CRASHED) {
                        status.compareAndSet(-1, ExitStatus.CRASHED);
                        done.countDown();
                    }
                }

                @Override
                public void event(Machine m, MachineEvent e) {
                    if (e.kind() == MachineEvent.Kind.WARNING) {
                        err.println("virtfx run: warning: " + e.message());
                        err.flush();
                    }
                }
            });
            Thread hook = Thread.ofPlatform().unstarted(() -> {
                if (status.compareAndSet(-1, ExitStatus.INTERRUPTED)) {
                    done.countDown();
                    try {
                        machine.close();
                    } catch (RuntimeException ignored) {
                        // exiting anyway
                    }
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            VncServer vnc = null;
            try {
                try {
                    machine.start();
                } catch (IOException | IllegalArgumentException e) {
                    err.println("virtfx run: " + e.getMessage());
                    return ExitStatus.BAD_INPUT;
                }
                try {
                    vnc = startVnc(machine, err);
                } catch (IOException e) {
                    err.println("virtfx run: " + e.getMessage());
                    return ExitStatus.BAD_INPUT;
                }
                long deadline = timeout > 0 ? System.nanoTime() + (long) (timeout * 1e9) : Long.MAX_VALUE;
                long nextScreenCheck = 0;
                while (done.getCount() > 0) {
                    if (done.await(50, TimeUnit.MILLISECONDS)) {
                        break;
                    }
                    if (serialPattern != null && serialLog.matches(serialPattern)) {
                        status.compareAndSet(-1, ExitStatus.OK);
                        break;
                    }
                    boolean stepsLeft = nextStep < keySteps.size();
                    if ((screenPattern != null || stepsLeft) && System.nanoTime() >= nextScreenCheck) {
                        nextScreenCheck = System.nanoTime() + 500_000_000L;
                        String text = machine.board().flatMap(b -> b.lookup(ScreenTextSource.class))
                                .map(ScreenTextSource::screenText).orElse("");
                        if (stepsLeft) {
                            KeyStep step = keySteps.get(nextStep);
                            if (step.screen().matcher(text).find()) {
                                typeKeys(machine, step.keys(), err);
                                nextStep++;
                            }
                        } else if (screenPattern.matcher(text).find()) {
                            status.compareAndSet(-1, ExitStatus.OK);
                            break;
                        }
                    }
                    if (System.nanoTime() >= deadline) {
                        if (status.compareAndSet(-1, ExitStatus.TIMEOUT)) {
                            err.println("virtfx run: timed out after " + timeout + " s"
                                    + (nextStep < keySteps.size() ? " waiting for the screen to match '"
                                            + keySteps.get(nextStep).screen().pattern() + "' (--send-keys-after)" : ""));
                            if (Boolean.getBoolean("virtfx.run.dumpOnTimeout")) {
                                machine.board().ifPresent(b -> b.vcpus().forEach(v -> err.println("vCPU " + v.index()
                                        + " (" + v.instructionsRetired() + " instructions):\n" + v.describeState())));
                            }
                        }
                        break;
                    }
                }
                if (screenshot != null) {
                    var shooter = machine.board().flatMap(b -> b.lookup(ScreenshotSource.class));
                    if (shooter.isPresent()) {
                        shooter.get().writePng(screenshot);
                    } else {
                        err.println("virtfx run: no screen to take a screenshot of (the machine has stopped or has no display)");
                    }
                }
                if (machine.state() == MachineState.CRASHED) {
                    err.println("virtfx run: the guest crashed: " + machine.crashReason());
                }
            } finally {
                if (vnc != null) {
                    vnc.close();
                }
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // already shutting down
                }
            }
            err.flush();
            return status.get() < 0 ? ExitStatus.OK : status.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitStatus.INTERRUPTED;
        }
    }
}
