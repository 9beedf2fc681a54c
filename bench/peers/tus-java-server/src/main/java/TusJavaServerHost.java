import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import me.desair.tus.server.TusFileUploadService;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;

/** tus-java-server as its README sets it up, in a servlet on Jetty. Usage: TusJavaServerHost <port> <directory> */
public class TusJavaServerHost {
    public static void main(String[] args) throws Exception {
        // The download feature lets end-to-end checks read uploads back; it does not touch the upload path.
        TusFileUploadService service = new TusFileUploadService().withStoragePath(args[1]).withUploadUri("/files")
                .withDownloadFeature()
                .withMaxUploadSize(16L * 1024 * 1024 * 1024);
        HttpServlet servlet = new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
                service.process(request, response);
            }
        };
        Server server = new Server(Integer.parseInt(args[0]));
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(servlet), "/files/*");
        context.addServlet(new ServletHolder(servlet), "/files");
        server.setHandler(context);
        server.start();
        System.out.println("tus-java-server listening on " + args[0]);
        server.join();
    }
}
