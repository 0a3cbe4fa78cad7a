/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "cs-http-client.h"
#include "cs-provider.h"
#include "emu-launch.h"

/*
 * A server that hangs: the client gives up after the request and one more try, and says the
 * server does not answer (a network problem, never a sign-in one). The timeout is set to one
 * second here; what is checked is the number of tries and the message, not the time taken.
 */
static void
test_hung_server (void)
{
	const gchar *args[] = { "--generate", "1", "--faults", "slow=1,slow-ms=4000", NULL };
	g_autofree gchar *url = NULL;
	GSubprocess *emu = emu_launch_start ("orocrm", NULL, args, &url);
	g_autoptr (GError) error = NULL;
	g_autoptr (CsHttpClient) client = cs_http_client_new (url, &error);
	g_autoptr (CsHttpResponse) resp = NULL;

	g_assert_no_error (error);
	cs_http_client_set_timeout (client, 1);
	resp = cs_http_client_send (client, "GET", "/api/contacts", NULL, NULL, NULL, NULL, &error);
	g_assert_null (resp);
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_NETWORK);
	g_assert_nonnull (strstr (error->message, "did not answer"));
	g_assert_cmpuint (cs_http_client_get_request_count (client), ==, 2);
	emu_launch_stop (&emu);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/http/hung-server", test_hung_server);
	return g_test_run ();
}
