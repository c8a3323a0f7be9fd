package org.virtfx.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Every command of the start-up cache's training run works (a failing one would silently shrink the cache). */
class AotTrainingTest {
    @Test
    void everyTrainingCommandSucceeds() throws Exception {
        assertEquals(0, AotTraining.run());
    }
}
