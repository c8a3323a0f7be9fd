package org.virtfx.engine.net.user;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.virtfx.engine.net.HostForward;

/** A user network started on a raw-frame {@link TestGuest} and closed after each test. */
abstract class UserNetworkTestBase {
    final TestGuest guest = new TestGuest();
    UserNetwork network;

    void start(List<HostForward> forwards) throws IOException {
        network = new UserNetwork(forwards);
        network.start(guest);
    }

    @AfterEach
    void close() {
        if (network != null) {
            network.close();
        }
    }
}
