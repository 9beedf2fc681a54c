package io.resumableupload.cli;

import java.util.Arrays;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.resumableupload.client.UploadCommand;

/**
 * The entry point of the packaged jar. This method runs before Quarkus starts, so {@code upload} runs the client
 * without starting the server (no HTTP port, no database); {@code serve}, or no command, starts the server.
 *
 * <pre>
 * java -jar quarkus-run.jar                        the server, configured as usual
 * java -jar quarkus-run.jar serve --port 9000 ...  the server with settings given as flags
 * java -jar quarkus-run.jar upload FILE --endpoint URL ...
 * </pre>
 */
@QuarkusMain
public final class Main {

    static final String USAGE = """
            usage: resumable-upload [serve [options] | upload FILE --endpoint URL [options] | help]

              serve     run the server (the default without a command); serve --help lists its options
              upload    upload a file, resuming an earlier attempt; upload --help lists its options
            """;

    public static void main(String... args) {
        if (args.length == 0) {
            Quarkus.run(args);
            return;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "upload" -> System.exit(UploadCommand.run(rest, System.out, System.err));
            case "serve" -> {
                int status = ServeCommand.configure(rest, System.out, System.err);
                if (status >= 0) {
                    System.exit(status);
                }
                Quarkus.run();
            }
            case "help", "-h", "--help" -> System.out.print(USAGE);
            default -> {
                System.err.println("unknown command " + args[0]);
                System.err.print(USAGE);
                System.exit(2);
            }
        }
    }
}
