package dev.forkd.snippets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ExitStatus;
import org.junit.jupiter.api.Test;

/** The Javadoc's examples do what their comments say. */
class SnippetsTest {

    @Test
    void childProcessesTourPrintsWhatItsCommentsSay() throws Exception {
        ChildProcessesSnippets.Tour tour = ChildProcessesSnippets.tour();
        assertThat(tour.out().stdoutText()).isEqualTo("HI\n");
        assertThat(tour.lsStatus()).hasToString("exit status: 0");
        tour.git().handle((output, failure) -> null).join(); // git may be missing or outside a repository
    }

    @Test
    void pipelineCountsTheLinesOfItsFirstCommand() throws Exception {
        assertThat(Integer.parseInt(ChildProcessesSnippets.pipeline())).isPositive();
    }

    @Test
    void forkedWorkerEchoesAndExitsWhenTheParentLetsGo() throws Exception {
        ChannelSnippets.Exchange exchange = ChannelSnippets.parent();
        assertThat(exchange.reply().toString()).isEqualTo("{\"echo\":{\"hello\":\"child\"}}");
        assertThat(exchange.childStatus()).isEqualTo(new ExitStatus.Exited(0));
    }
}
