package dev.tempfail.intake;

/**
 * Splits the argument of MAIL FROM: / RCPT TO: into the address and the parameter text.
 * Accepts {@code <addr>}, {@code <>}, a space after the colon, and (as Postfix does unless
 * told to be strict) an address without angle brackets.
 */
record PathArgument(String address, String parameters) {

    /**
     * The argument of a whole MAIL or RCPT command line after the verb ({@code FROM:<a@b> SIZE=1}):
     * checks the keyword, splits off the address (source route dropped) and parses the
     * parameters. Throws IllegalArgumentException saying what is wrong.
     */
    static Command ofCommand(String args, String keyword) {
        if (!args.toUpperCase(java.util.Locale.ROOT).startsWith(keyword)) {
            throw new IllegalArgumentException("expected " + keyword);
        }
        PathArgument path = parse(args.substring(keyword.length()));
        return new Command(MailboxSyntax.withoutSourceRoute(path.address()), EsmtpParameters.parse(path.parameters()));
    }

    /** An address and its ESMTP parameters (keys upper-cased). */
    record Command(String address, java.util.Map<String, String> parameters) {}

    /** {@code text} is what follows "FROM:" or "TO:". */
    static PathArgument parse(String text) {
        String s = text.stripLeading();
        if (s.startsWith("<")) {
            boolean quoted = false;
            for (int i = 1; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\\' && quoted) {
                    i++;
                } else if (c == '"') {
                    quoted = !quoted;
                } else if (c == '>' && !quoted) {
                    String rest = s.substring(i + 1);
                    if (!rest.isEmpty() && !rest.startsWith(" ")) throw new IllegalArgumentException("text after '>' must be parameters");
                    return new PathArgument(s.substring(1, i), rest.trim());
                }
            }
            throw new IllegalArgumentException("missing '>'");
        }
        int space = s.indexOf(' ');
        String address = space < 0 ? s : s.substring(0, space);
        if (address.isEmpty()) throw new IllegalArgumentException("missing address");
        return new PathArgument(address, space < 0 ? "" : s.substring(space + 1).trim());
    }
}
