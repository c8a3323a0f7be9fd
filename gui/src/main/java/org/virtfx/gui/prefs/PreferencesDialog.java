package org.virtfx.gui.prefs;

import javafx.fxml.FXML;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.DialogPane;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.control.TextField;
import javafx.stage.Window;
import org.virtfx.console.ConsoleView;
import org.virtfx.console.ScalingMode;
import org.virtfx.gui.Fxml;
import org.virtfx.gui.model.AppServices;
import org.virtfx.gui.model.Settings;

/**
 * Preferences ({@code PreferencesDialog.fxml}, this class is its controller): console, graphs, storage defaults and
 * confirmations. OK saves them to the settings file; console settings apply to machine windows opened afterwards.
 */
public final class PreferencesDialog extends Dialog<ButtonType> {
    @FXML private ChoiceBox<ScalingMode> scaling;
    @FXML private ChoiceBox<ConsoleView.ReleaseKeys> releaseKeys;
    @FXML private Spinner<Integer> graphInterval;
    @FXML private Spinner<Integer> graphSamples;
    @FXML private TextField imageDir;
    @FXML private ChoiceBox<String> imageFormat;
    @FXML private CheckBox confirmForceOff;
    @FXML private CheckBox confirmDelete;

    public PreferencesDialog(AppServices services, Window owner) {
        initOwner(owner);
        setTitle("VirtFX Preferences");
        DialogPane pane = Fxml.load(this);
        setDialogPane(pane);
        Settings s = services.settings();
        scaling.getItems().setAll(ScalingMode.values());
        scaling.setValue(parse(ScalingMode.class, s.scaling, ScalingMode.WHEN_SMALLER));
        releaseKeys.getItems().setAll(ConsoleView.ReleaseKeys.values());
        releaseKeys.setValue(parse(ConsoleView.ReleaseKeys.class, s.releaseKeys, ConsoleView.ReleaseKeys.CTRL_ALT));
        graphInterval.setValueFactory(new SpinnerValueFactory.IntegerSpinnerValueFactory(250, 60_000, s.graphIntervalMillis, 250));
        graphSamples.setValueFactory(new SpinnerValueFactory.IntegerSpinnerValueFactory(10, 3600, s.graphSamples, 10));
        imageDir.setText(s.imageDirectory);
        imageFormat.getItems().setAll("qcow2", "raw", "vdi", "vmdk", "vhdx");
        imageFormat.setValue(s.imageFormat);
        confirmForceOff.setSelected(s.confirmForceOff);
        confirmDelete.setSelected(s.confirmDelete);
        setResultConverter(bt -> {
            if (bt == ButtonType.OK) {
                graphInterval.commitValue();
                graphSamples.commitValue();
                s.scaling = scaling.getValue().name();
                s.releaseKeys = releaseKeys.getValue().name();
                s.graphIntervalMillis = graphInterval.getValue();
                s.graphSamples = graphSamples.getValue();
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

    private static <E extends Enum<E>> E parse(Class<E> type, String name, E fallback) {
        try {
            return Enum.valueOf(type, name);
        } catch (RuntimeException e) {
            return fallback;
        }
    }
}
