package org.virtfx.gui.prefs;

import javafx.geometry.Insets;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.Spinner;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.stage.Window;
import org.virtfx.console.ScalingMode;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.Settings;

/**
 * Preferences: console, graphs, storage defaults and confirmations. OK saves them to the settings file; console
 * settings apply to machine windows opened afterwards.
 */
public final class PreferencesDialog extends Dialog<ButtonType> {
    final ChoiceBox<ScalingMode> scaling = new ChoiceBox<>();
    final ChoiceBox<org.virtfx.console.ConsoleView.ReleaseKeys> releaseKeys = new ChoiceBox<>();
    final Spinner<Integer> interval = new Spinner<>(250, 60_000, 1000, 250);
    final Spinner<Integer> samples = new Spinner<>(10, 3600, 120, 10);
    final TextField imageDir = new TextField();
    final ChoiceBox<String> imageFormat = new ChoiceBox<>();
    final CheckBox confirmForceOff = new CheckBox("Ask before forcing a machine off");
    final CheckBox confirmDelete = new CheckBox("Ask before deleting a machine");

    public PreferencesDialog(AppServices services, Window owner) {
        initOwner(owner);
        setTitle("VirtFX Preferences");
        Settings s = services.settings();
        getDialogPane().setId("preferencesDialog");
        scaling.getItems().setAll(ScalingMode.values());
        try {
            scaling.setValue(ScalingMode.valueOf(s.scaling));
        } catch (IllegalArgumentException e) {
            scaling.setValue(ScalingMode.WHEN_SMALLER);
        }
        releaseKeys.getItems().setAll(org.virtfx.console.ConsoleView.ReleaseKeys.values());
        try {
            releaseKeys.setValue(org.virtfx.console.ConsoleView.ReleaseKeys.valueOf(s.releaseKeys));
        } catch (IllegalArgumentException e) {
            releaseKeys.setValue(org.virtfx.console.ConsoleView.ReleaseKeys.CTRL_ALT);
        }
        interval.setId("graphInterval");
        interval.setEditable(true);
        interval.getValueFactory().setValue(s.graphIntervalMillis);
        samples.setId("graphSamples");
        samples.setEditable(true);
        samples.getValueFactory().setValue(s.graphSamples);
        imageDir.setText(s.imageDirectory);
        imageFormat.getItems().setAll("qcow2", "raw", "vdi", "vmdk", "vhdx");
        imageFormat.setValue(s.imageFormat);
        confirmForceOff.setSelected(s.confirmForceOff);
        confirmDelete.setSelected(s.confirmDelete);

        TabPane tabs = new TabPane(
                tab("Console", row(0, "Scale display", scaling), row(1, "Release keyboard and mouse", releaseKeys)),
                tab("Graphs", row(0, "Sample interval (ms)", interval), row(1, "Samples kept", samples)),
                tab("New machines", row(0, "Default image folder", imageDir), row(1, "Default image format", imageFormat)),
                tab("Confirmations", row(0, "", confirmForceOff), row(1, "", confirmDelete)));
        tabs.setTabClosingPolicy(TabPane.TabClosingPolicy.UNAVAILABLE);
        getDialogPane().setContent(tabs);
        getDialogPane().getButtonTypes().setAll(ButtonType.OK, ButtonType.CANCEL);
        setResultConverter(bt -> {
            if (bt == ButtonType.OK) {
                interval.commitValue();
                samples.commitValue();
                s.scaling = scaling.getValue().name();
                s.releaseKeys = releaseKeys.getValue().name();
                s.graphIntervalMillis = interval.getValue();
                s.graphSamples = samples.getValue();
                s.imageDirectory = imageDir.getText();
                s.imageFormat = imageFormat.getValue();
                s.confirmForceOff = confirmForceOff.isSelected();
                s.confirmDelete = confirmDelete.isSelected();
                services.saveSettings();
                services.startSampling();
            }
            return bt;
        });
    }

    private static javafx.scene.Node[] row(int r, String label, javafx.scene.Node field) {
        return new javafx.scene.Node[] {new Label(label), field};
    }

    private static Tab tab(String title, javafx.scene.Node[]... rows) {
        GridPane g = new GridPane();
        g.setHgap(10);
        g.setVgap(10);
        g.setPadding(new Insets(14));
        for (int i = 0; i < rows.length; i++) {
            g.addRow(i, rows[i]);
        }
        return new Tab(title, g);
    }
}
