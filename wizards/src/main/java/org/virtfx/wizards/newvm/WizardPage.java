package org.virtfx.wizards.newvm;

import javafx.beans.binding.BooleanBinding;
import javafx.scene.Node;

/** One step of the New VM wizard: its view (an FXML file) and whether its input is valid. */
interface WizardPage {
    String title();

    Node view();

    /** True while the page's input has an error (Next and Finish wait for it). */
    BooleanBinding invalid();

    /** The page is shown: re-check what may have changed on other pages and focus the first field. */
    void entered();
}
