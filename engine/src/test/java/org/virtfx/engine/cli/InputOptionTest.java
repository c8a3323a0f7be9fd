package org.virtfx.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.virtfx.engine.library.VmDefinition;

/** `virtfx run --input` and a definition's input devices into MachineConfig. */
class InputOptionTest {
    @Test
    void theThreeKindsInOrderAndAnythingElseRefused() {
        assertEquals(List.of("tablet", "keyboard", "mouse", "tablet"),
                RunCommand.parseInputs(List.of("tablet", "keyboard", "mouse", "tablet")));
        RunCommand.UsageException e = assertThrows(RunCommand.UsageException.class,
                () -> RunCommand.parseInputs(List.of("tablet", "Tablet")));
        assertTrue(e.getMessage().startsWith("--input: input device 'Tablet' is not emulated (emulated: tablet, keyboard, "
                + "mouse)"), e.getMessage());
    }

    @Test
    void definitionInputsReachTheMachineConfig() {
        VmDefinition def = VmDefinition.create("vm", "linux", 64, 1)
                .withInputs(List.of(new VmDefinition.InputDevice("tablet"), new VmDefinition.InputDevice("mouse")));
        assertEquals(List.of("tablet", "mouse"), def.toMachineConfig().inputs());
        assertTrue(VmDefinition.create("vm", "linux", 64, 1).toMachineConfig().inputs().isEmpty());
    }
}
