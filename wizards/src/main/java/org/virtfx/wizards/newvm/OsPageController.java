package org.virtfx.wizards.newvm;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javafx.application.Platform;
import javafx.beans.binding.BooleanBinding;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.scene.layout.VBox;
import org.virtfx.engine.library.VmOperations;
import org.virtfx.engine.osinfo.OsCatalog;
import org.virtfx.engine.osinfo.OsDetector;
import org.virtfx.engine.osinfo.OsEntry;
import org.virtfx.wizards.Fxml;
import org.virtfx.wizards.PageValidation;

/**
 * Step 2: the operating system, detected from the medium (volume id, well-known files, kernel version) on a worker
 * thread, or searched in the catalogue; shows what the chosen OS recommends.
 */
final class OsPageController implements WizardPage {
    private final NewVmModel model;
    private final PageValidation validation = new PageValidation();
    private final VBox view;
    private Path detectedFor;
    /** Null until the context's catalogue has been loaded. */
    private OsCatalog catalog;

    @FXML Label detectionLabel, recommendation, message, catalogSource;
    @FXML TextField osSearch;
    @FXML ListView<OsEntry> osList;

    OsPageController(NewVmModel model) {
        this.model = model;
        this.view = Fxml.load(this, "OsPage");
    }

    @FXML
    void initialize() {
        osList.setCellFactory(l -> new ListCell<>() {
            @Override
            protected void updateItem(OsEntry e, boolean empty) {
                super.updateItem(e, empty);
                setText(empty || e == null ? null : e.name() + "   (" + e.shortId() + ")");
            }
        });
        osSearch.textProperty().addListener((o, a, b) -> filter(b));
        osSearch.setOnKeyPressed(e -> {
            if (e.getCode() == KeyCode.DOWN) {
                osList.requestFocus();
                if (osList.getSelectionModel().isEmpty()) {
                    osList.getSelectionModel().selectFirst();
                }
                e.consume();
            }
        });
        osList.getSelectionModel().selectedItemProperty().addListener((o, a, b) -> {
            if (b != null && !b.equals(model.os.get())) {
                model.os.set(b);
            }
        });
        model.os.addListener((o, a, b) -> {
            showRecommendation(b);
            validation.revalidate();
        });
        detectionLabel.textProperty().bind(model.detection);
        validation.error(osSearch, model::osProblem);
        message.textProperty().bind(validation.message());
        showRecommendation(model.os.get());
        CompletableFuture<OsCatalog> loading = model.context().catalog();
        if (loading.isDone()) {
            catalogLoaded(loading.join(), null);
        } else {
            catalogSource.setText("Loading the operating system catalogue…");
            osList.setPlaceholder(new Label("Loading the operating system catalogue…"));
            osSearch.setDisable(true);
            loading.whenComplete((c, failure) -> Platform.runLater(() -> catalogLoaded(c, failure)));
        }
    }

    /** The catalogue is there (FX thread): list and search it; a failure leaves the list empty and says why. */
    private void catalogLoaded(OsCatalog loaded, Throwable failure) {
        osSearch.setDisable(false);
        osList.setPlaceholder(new Label(failure == null ? "No system matches." : "No catalogue."));
        if (failure != null) {
            catalogSource.setText("The operating system catalogue could not be loaded: " + failure.getMessage());
            return;
        }
        catalog = loaded;
        catalogSource.setText("Catalogue: " + loaded.source() + ", " + loaded.entries().size() + " systems");
        filter(osSearch.getText());
    }

    private void filter(String q) {
        if (catalog == null) {
            return;
        }
        OsEntry keep = model.os.get();
        var found = q == null || q.isBlank() ? catalog.entries() : catalog.search(q);
        osList.getItems().setAll(found);
        if (keep != null && found.contains(keep)) {
            osList.getSelectionModel().select(keep);
        }
    }

    private void showRecommendation(OsEntry e) {
        if (e == null) {
            recommendation.setText("");
            return;
        }
        recommendation.setText(e.name() + " recommends " + (e.recommendedRam() >> 20) + " MiB of memory, "
                + e.recommendedCpus() + " CPU" + (e.recommendedCpus() == 1 ? "" : "s") + " and "
                + VmOperations.size(e.recommendedStorage()) + " of disk (minimum " + (e.minimumRam() >> 20) + " MiB of memory).");
        if (!e.equals(osList.getSelectionModel().getSelectedItem())) {
            if (!osList.getItems().contains(e)) {
                osSearch.clear();
            }
            osList.getSelectionModel().select(e);
            osList.scrollTo(e);
        }
    }

    /** Detects the OS of the current medium once per medium (ISO reading is quick, but not for the FX thread). */
    private void detect() {
        Path medium = model.medium();
        if (Objects.equals(medium, detectedFor)) {
            return;
        }
        if (medium != null && !java.nio.file.Files.isRegularFile(medium)) {
            return;   // still being typed
        }
        detectedFor = medium;
        if (medium == null) {
            model.detection.set(model.source.get() == NewVmModel.Source.IMPORT
                    ? "A disk image does not say which system it holds: choose it below."
                    : "No medium chosen.");
            return;
        }
        model.detection.set("Detecting the operating system of " + medium.getFileName() + "…");
        CompletableFuture<OsCatalog> loading = model.context().catalog();
        Thread.ofPlatform().daemon().name("virtfx-os-detect").start(() -> {
            Optional<OsDetector.Detection> d;
            String failure = null;
            try {
                // waits here, on the worker, while the catalogue is still being read
                d = new OsDetector(loading.join()).detect(medium);
            } catch (Exception ex) {
                d = Optional.empty();
                failure = ex.getMessage();
            }
            Optional<OsDetector.Detection> result = d;
            String why = failure;
            Platform.runLater(() -> {
                if (!Objects.equals(medium, detectedFor)) {
                    return;   // the user chose another medium meanwhile
                }
                if (result.isPresent()) {
                    model.detection.set("Detected " + result.get().os().name() + " (" + result.get().arch() + ") from the "
                            + result.get().evidence() + ".");
                    model.os.set(result.get().os());
                } else {
                    model.detection.set("Not recognised" + (why != null ? " (" + why + ")" : "") + ": choose the system below.");
                }
            });
        });
    }

    @Override
    public String title() {
        return "Operating system";
    }

    @Override
    public Node view() {
        return view;
    }

    @Override
    public BooleanBinding invalid() {
        return validation.invalid();
    }

    @Override
    public void entered() {
        detect();
        validation.revalidate();
        Platform.runLater(osSearch::requestFocus);
    }

    /** Starts detection without showing the page (the wizard calls it as soon as the medium is chosen). */
    void detectNow() {
        detect();
    }
}
