/*  service.c: the ten-line service of the install tests. Built outside the tree
    against the installed libzapm; publishes 5 samples to argv[1] as argv[2]. */
#include <stddef.h>
#include <zapm.h>

int
main (int argc, char **argv)
{
    zapm_agent_t *agent = argc == 3 ? zapm_agent_new (argv[1], argv[2]) : NULL;
    if (!agent || zapm_agent_set_interval (agent, 0.1) || zapm_agent_set_count (agent, 5))
        return 1;
    zapm_agent_counter_add (agent, "orders", 1);
    int status = zapm_agent_wait (agent, 10000);
    zapm_agent_destroy (&agent);
    return status == ZAPM_AGENT_DONE ? 0 : 1;
}
