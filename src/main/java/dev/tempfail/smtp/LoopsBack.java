package dev.tempfail.smtp;

/** The host greeted or answered EHLO with our own name, at this stage. */
final class LoopsBack extends Exception {
    final Stage stage;

    LoopsBack(Stage stage) {
        super(stage.name(), null, false, false);
        this.stage = stage;
    }
}
