package dev.berth.cli.template;

/**
 * A template failed to parse or to execute. The message is a single line in Go's
 * text/template style (for example {@code template: :1: unclosed action}) so that
 * users who know docker's errors recognise them.
 */
public class TemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TemplateException(String message) {
        // Quoted template text or data can hold newlines; keep the message to one line.
        super(message.replace("\r", "\\r").replace("\n", "\\n"));
    }
}
