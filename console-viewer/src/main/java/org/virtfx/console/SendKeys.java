package org.virtfx.console;

import static org.virtfx.resources.KeyMap.KEY_BACKSPACE;
import static org.virtfx.resources.KeyMap.KEY_DELETE;
import static org.virtfx.resources.KeyMap.KEY_F1;
import static org.virtfx.resources.KeyMap.KEY_F11;
import static org.virtfx.resources.KeyMap.KEY_F12;
import static org.virtfx.resources.KeyMap.KEY_LEFTALT;
import static org.virtfx.resources.KeyMap.KEY_LEFTCTRL;
import static org.virtfx.resources.KeyMap.KEY_SYSRQ;

import java.util.ArrayList;
import java.util.List;

/** Key combinations the host would swallow, sent to the guest from a menu (virt-manager's "Send Key"). */
public final class SendKeys {
    /** @param label menu text; @param keys evdev codes, pressed in order and released in reverse */
    public record Combo(String label, int... keys) {
    }

    private SendKeys() {
    }

    public static List<Combo> standard() {
        List<Combo> list = new ArrayList<>();
        list.add(new Combo("Ctrl+Alt+Delete", KEY_LEFTCTRL, KEY_LEFTALT, KEY_DELETE));
        list.add(new Combo("Ctrl+Alt+Backspace", KEY_LEFTCTRL, KEY_LEFTALT, KEY_BACKSPACE));
        for (int i = 1; i <= 12; i++) {
            int f = i <= 10 ? KEY_F1 + i - 1 : (i == 11 ? KEY_F11 : KEY_F12);
            list.add(new Combo("Ctrl+Alt+F" + i, KEY_LEFTCTRL, KEY_LEFTALT, f));
        }
        list.add(new Combo("PrintScreen", KEY_SYSRQ));
        return List.copyOf(list);
    }
}
