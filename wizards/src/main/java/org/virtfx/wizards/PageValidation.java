package org.virtfx.wizards;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.binding.StringBinding;
import javafx.scene.control.Control;
import org.controlsfx.validation.Severity;
import org.controlsfx.validation.ValidationMessage;
import org.controlsfx.validation.ValidationResult;
import org.controlsfx.validation.ValidationSupport;

/**
 * ControlsFX validation for one page or dialog: controls get the usual decoration, and the page also shows the
 * first error (or else the first warning) as a sentence, so the reason is readable without hovering.
 */
public final class PageValidation {
    private final ValidationSupport support = new ValidationSupport();
    private final Map<Control, List<Rule>> errors = new HashMap<>();
    private final Map<Control, List<Rule>> warnings = new HashMap<>();

    /** A rule: the message for the control's current state, or null when it is fine. */
    public interface Rule {
        String check();
    }

    public void error(Control c, Rule rule) {
        add(c, rule, true);
    }

    public void warning(Control c, Rule rule) {
        add(c, rule, false);
    }

    /** ControlsFX keeps one validator per control, so a control's rules are combined into one. */
    private void add(Control c, Rule rule, boolean error) {
        List<Rule> errors = this.errors.computeIfAbsent(c, k -> new ArrayList<>());
        List<Rule> warnings = this.warnings.computeIfAbsent(c, k -> new ArrayList<>());
        (error ? errors : warnings).add(rule);
        support.registerValidator(c, false, (Control ctl, Object v) -> {
            ValidationResult r = new ValidationResult();
            for (Rule e : errors) {
                String m = e.check();
                r.addErrorIf(ctl, m, m != null);
            }
            for (Rule w : warnings) {
                String m = w.check();
                r.addWarningIf(ctl, m, m != null);
            }
            return r;
        });
    }

    /** Checks again (after a change elsewhere that the rules depend on). */
    public void revalidate() {
        support.revalidate();
    }

    /** True while any error rule fails. */
    public BooleanBinding invalid() {
        return Bindings.createBooleanBinding(() -> !result().getErrors().isEmpty(), support.validationResultProperty());
    }

    /** The first error, else the first warning, else "". */
    public StringBinding message() {
        return Bindings.createStringBinding(() -> {
            ValidationResult r = result();
            return r.getErrors().stream().findFirst().or(() -> r.getWarnings().stream().findFirst())
                    .map(ValidationMessage::getText).orElse("");
        }, support.validationResultProperty());
    }

    /** Whether the shown message is an error (for styling). */
    public BooleanBinding hasError() {
        return Bindings.createBooleanBinding(() -> result().getMessages().stream()
                .anyMatch(m -> m.getSeverity() == Severity.ERROR), support.validationResultProperty());
    }

    /** The current result; before the first check ControlsFX has none, which counts as nothing reported yet. */
    private ValidationResult result() {
        ValidationResult r = support.getValidationResult();
        return r == null ? new ValidationResult() : r;
    }

    public ValidationSupport support() {
        return support;
    }
}
