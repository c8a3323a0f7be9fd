package org.virtfx.engine.machine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.virtfx.engine.cpu.Vcpu;

/**
 * A board whose vCPUs run a scripted "guest": each run() step calls a behaviour that can count, halt, power off,
 * crash or triple-fault through the real MachineContext. Used to test the lifecycle and the runner without a CPU.
 */
public final class FakeBoard implements Board {
    public final MachineContext context;
    public final List<FakeVcpu> cpus = new ArrayList<>();
    public final AtomicInteger resets = new AtomicInteger();
    public final AtomicInteger powerButtons = new AtomicInteger();
    public volatile boolean closed;

    public FakeBoard(MachineContext context, int cpus, Consumer<FakeVcpu> behaviour) {
        this.context = context;
        for (int i = 0; i < cpus; i++) {
            this.cpus.add(new FakeVcpu(i, this, behaviour));
        }
    }

    /** A factory running {@code behaviour} on every step of every vCPU; remembers the last board built. */
    public static final class Factory implements BoardFactory {
        private final Consumer<FakeVcpu> behaviour;
        public volatile FakeBoard last;

        public Factory(Consumer<FakeVcpu> behaviour) {
            this.behaviour = behaviour;
        }

        @Override
        public Board create(MachineConfig config, MachineContext context) {
            last = new FakeBoard(context, config.cpus(), behaviour);
            return last;
        }
    }

    @Override
    public List<? extends Vcpu> vcpus() {
        return cpus;
    }

    @Override
    public void reset() {
        resets.incrementAndGet();
    }

    @Override
    public boolean pressPowerButton() {
        powerButtons.incrementAndGet();
        return true;
    }

    @Override
    public void close() {
        closed = true;
    }

    public static final class FakeVcpu implements Vcpu {
        private final int index;
        public final FakeBoard board;
        private final Consumer<FakeVcpu> behaviour;
        public final AtomicLong steps = new AtomicLong();
        private volatile boolean exitRequested;
        public volatile boolean tripleFault;

        FakeVcpu(int index, FakeBoard board, Consumer<FakeVcpu> behaviour) {
            this.index = index;
            this.board = board;
            this.behaviour = behaviour;
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public Exit run() {
            while (!exitRequested) {
                steps.incrementAndGet();
                behaviour.accept(this);
                if (tripleFault) {
                    tripleFault = false;
                    return Exit.SHUTDOWN;
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Exit.EXIT_REQUESTED;
                }
            }
            exitRequested = false;
            return Exit.EXIT_REQUESTED;
        }

        @Override
        public void requestExit() {
            exitRequested = true;
        }

        @Override
        public void reset() {
            steps.set(0);
        }

        @Override
        public String describeState() {
            return "EIP=0000fff0 (fake)";
        }

        @Override
        public long instructionsRetired() {
            return steps.get();
        }
    }
}
