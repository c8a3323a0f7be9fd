package org.virtfx.engine.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.virtfx.engine.cpu.SingleStepTestRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** `virtfx cpu-test`: runs SingleStepTests-format instruction vectors through the software CPU. */
@Command(name = "cpu-test", mixinStandardHelpOptions = true,
        description = "Run SingleStepTests-format CPU test files (*.json.gz, or folders of them) through the software x86 CPU.")
public final class CpuTestCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "test files or folders")
    List<Path> paths;

    @picocli.CommandLine.Option(names = "--all-failures", description = "list every failing test (default: 5 per file)")
    boolean allFailures;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.getFileName().toString().endsWith(".json.gz")).sorted().forEach(files::add);
                }
            } else if (Files.isRegularFile(p)) {
                files.add(p);
            } else {
                throw new IOException(p + ": no such file or folder");
            }
        }
        long passed = 0, modern = 0, failed = 0, excluded = 0;
        try (SingleStepTestRunner runner = new SingleStepTestRunner()) {
            runner.setMaxFailuresListed(allFailures ? Integer.MAX_VALUE : 5);
            for (Path f : files) {
                SingleStepTestRunner.FileResult r = runner.runFile(f);
                passed += r.passed();
                modern += r.modern();
                failed += r.failed();
                excluded += r.excluded();
                out.printf("%-8s %6d passed %5d failed%s%s%n", r.file(), r.passed() + r.modern(), r.failed(),
                        r.modern() > 0 ? String.format(" (%d as a modern CPU must differ)", r.modern()) : "",
                        r.excluded() > 0 ? String.format(" (%d excluded)", r.excluded()) : "");
                for (String why : r.failures()) {
                    out.println("    " + why);
                }
                out.flush();
            }
        }
        long total = passed + modern + failed + excluded;
        out.printf("%d passed as captured, %d passed where a modern CPU must differ from the 80286 (checked against"
                + " the documented modern behaviour), %d excluded unchecked, %d failed%n", passed, modern, excluded, failed);
        out.printf("pass rate %.3f%% of %d tests%n", total == 0 ? 0.0 : (passed + modern) * 100.0 / total, total);
        out.printf("%d passed, %d failed%n", passed + modern, failed);
        return failed == 0 ? 0 : 1;
    }
}
