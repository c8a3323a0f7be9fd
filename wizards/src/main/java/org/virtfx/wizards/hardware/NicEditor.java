package org.virtfx.wizards.hardware;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import javafx.application.Platform;
import javafx.beans.binding.BooleanBinding;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import org.virtfx.engine.library.MacAddresses;
import org.virtfx.engine.library.OperationProgress;
import org.virtfx.engine.library.VmDefinition;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.wizards.PageValidation;

/**
 * A network card ({@code NicEditor.fxml}): model (the cards the engine emulates, {@link VmDefinition.Nic#MODELS}),
 * network, and a MAC address unique in the library (generated, or typed). Adding ({@link #adding}) checks the address
 * against every card of the library; a Details page ({@link #attached}) against every card but the one it shows, and
 * can remove the card on Apply.
 */
public final class NicEditor extends EditorBase<VmDefinition.Nic> {
    /** The addresses a card edited here must not take (read when checking, so cards added meanwhile count). */
    private final Supplier<? extends Collection<String>> otherMacs;
    private final boolean adding;
    private final PageValidation validation = new PageValidation();

    @FXML ChoiceBox<String> modelChoice, networkChoice;
    @FXML TextField macField;
    @FXML Button generateButton;
    @FXML CheckBox removeBox;
    @FXML Label modelInfo, networkInfo, message;

    private NicEditor(Supplier<? extends Collection<String>> otherMacs, boolean adding) {
        super("Network", "mdi2l-lan");
        this.otherMacs = otherMacs;
        this.adding = adding;
        loadLayout("NicEditor");
        removeBox.setVisible(!adding);
        removeBox.setManaged(!adding);
    }

    /** An editor for a new card; its address must differ from every card's in the library. */
    public static NicEditor adding(VmOperations operations) throws IOException {
        List<String> inUse = operations.macsInUse();
        NicEditor e = new NicEditor(() -> inUse, true);
        e.generate();
        return e;
    }

    /**
     * An editor for a card of the machine (a Details page).
     *
     * @param otherMacs the addresses of every other card in the library (this machine's other cards included)
     */
    public static NicEditor attached(Supplier<? extends Collection<String>> otherMacs) {
        return new NicEditor(otherMacs, false);
    }

    @FXML
    void initialize() {
        modelChoice.getItems().setAll(VmDefinition.Nic.MODELS);
        modelChoice.setValue(VmDefinition.Nic.MODELS.getFirst());
        networkChoice.getItems().setAll(VmDefinition.Nic.NETWORKS);
        networkChoice.setValue("user");
        macField.textProperty().addListener((o, a, b) -> edited());
        modelChoice.valueProperty().addListener((o, a, b) -> {
            edited();
            describe();
        });
        networkChoice.valueProperty().addListener((o, a, b) -> {
            edited();
            describe();
        });
        removeBox.selectedProperty().addListener((o, a, b) -> {
            edited();
            for (javafx.scene.control.Control c : List.of(modelChoice, networkChoice, macField, generateButton)) {
                c.setDisable(b);
            }
            validation.revalidate();
        });
        validation.error(macField, this::problem);
        message.textProperty().bind(validation.message());
        describe();
    }

    private void describe() {
        modelInfo.setText(switch (modelChoice.getValue() == null ? "" : modelChoice.getValue()) {
            case "virtio-net" -> "Paravirtual card (virtio 1.0 over PCI): the fastest. Linux and the BSDs have the driver "
                    + "built in; Windows needs the virtio drivers.";
            case "e1000" -> "Intel 82540EM gigabit card: slower, but nearly every system has its driver (older Linux, "
                    + "Windows, installers).";
            default -> "";
        });
        networkInfo.setText("none".equals(networkChoice.getValue())
                ? "The card is there but nothing is connected to it."
                : "NAT through the host, as QEMU's user network: the guest gets 10.0.2.15 by DHCP, the gateway and the "
                        + "host are 10.0.2.2, DNS is 10.0.2.3.");
    }

    @FXML
    void generate() {
        macField.setText(MacAddresses.random(otherMacs.get()));
    }

    /** Whether Apply removes the card (Details only). */
    public boolean removing() {
        return !adding && removeBox.isSelected();
    }

    @Override
    public String problem() {
        if (removing()) {
            return null;
        }
        try {
            String mac = MacAddresses.parse(macField.getText().strip());
            return otherMacs.get().stream().anyMatch(mac::equalsIgnoreCase)
                    ? "Another network card in the library has " + mac + "." : null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** Fills the fields from {@code nic}; null (a card just removed) leaves them as they are. */
    @Override
    public void load(VmDefinition.Nic nic) {
        loading(() -> {
            removeBox.setSelected(false);
            if (nic != null) {
                modelChoice.setValue(nic.model());
                networkChoice.setValue(nic.network());
                macField.setText(nic.mac());
            }
        });
        validation.revalidate();
    }

    /** The card as edited, or null when it is to be removed. */
    @Override
    public VmDefinition.Nic value() {
        return removing() ? null
                : new VmDefinition.Nic(modelChoice.getValue(), MacAddresses.parse(macField.getText().strip()), networkChoice.getValue());
    }

    @Override
    public BooleanBinding invalid() {
        return validation.invalid();
    }

    @Override
    public void entered() {
        validation.revalidate();
        Platform.runLater(modelChoice::requestFocus);
    }

    @Override
    public VmDefinition add(VmOperations ops, VmDefinition def, OperationProgress progress) throws Exception {
        return ops.addNic(def.name(), modelChoice.getValue(), networkChoice.getValue(), macField.getText().strip());
    }
}
