/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Robustness: deterministic mutations (bit flips, truncations, zeroed pages)
 * of the real files, each listed with `crmsync-cli pst-list --json`. However
 * damaged the file, the CLI must end by itself (never by a signal) with exit
 * 0 (and JSON), or 1/2 with a one-line message naming the file.
 *
 * Usage: cs-pst-mutation-test [--shard I/N]  (N processes share the work, so
 * meson runs them side by side)
 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "cs-pst-test-common.h"

#define N_MUTATIONS 500
#define SEED	    20261121

/* the readable files; the small ones often, so that the run stays short */
static const gchar *bases[] = {
    "PstReader/hughbe_Outlook.pst",
    "go-pst/32-bit.pst",
    "java-libpst/dist-list.pst",
    "java-libpst/passworded.pst",
    "outlook-pst-rs/Empty.pst",
    "process-pst/multiple_to_cc.pst",
    "process-pst/unsent_email.pst",
    "pst2john/97_outlook_pass12345.pst",
    "pstsdk/sample2.pst",
    "pstsdk/test_unicode.pst",
    "ruby-msg/200 recipients.pst",
    "Aspose.Email-for-.NET/PersonalStorageFile1.pst",
    "go-pst/support.pst",
    "pst2john/2003_high-encryption_quickquick.pst",
    "tika/testPST.pst",
    "Aspose.Email-for-.NET/Chunks/Test_part1.pst",
    "Aspose.Email-for-.NET/Outlook.pst",
    "Aspose.Email-for-.NET/SampleOstFile.ost",
};

static guint shard_index = 0, shard_count = 1;

typedef enum { FLIP, TRUNCATE, ZERO_PAGE, N_KINDS } MutationKind;
static const gchar *kind_names[] = {"flip", "truncate", "zero"};

/* the mutation number @i alone decides what is done, so any failure can be
 * replayed from its number */
static gchar *
mutate (const guint8 *orig, gsize len, guint i, gsize *out_len, gchar **what)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed (SEED + i);
	MutationKind kind = (MutationKind) ((i / G_N_ELEMENTS (bases)) % N_KINDS);
	guint8 *buf = g_memdup2 (orig, len);
	/* the header, the roots of the indexes and the store sit in the first
	 * pages: hit them often, the rest of the file too */
	gsize span = (i / (G_N_ELEMENTS (bases) * N_KINDS)) % 2 == 0 ? MIN (len, 64 * 1024) : len;

	*out_len = len;
	switch (kind) {
	case FLIP: {
		guint n = (guint) g_rand_int_range (rand, 1, 17);
		for (guint k = 0; k < n; k++) {
			gsize pos = (gsize) g_rand_int_range (rand, 0, (gint32) span);
			buf[pos] ^= (guint8) (1u << g_rand_int_range (rand, 0, 8));
		}
		*what = g_strdup_printf ("%u bit flips", n);
		break;
	}
	case TRUNCATE:
		*out_len = (gsize) g_rand_int_range (rand, 0, (gint32) len);
		*what = g_strdup_printf ("truncated to %" G_GSIZE_FORMAT " bytes", *out_len);
		break;
	case ZERO_PAGE: {
		gsize page = g_rand_boolean (rand) ? 512 : 4096;
		gsize pages = MAX (span / page, 1);
		gsize at = (gsize) g_rand_int_range (rand, 0, (gint32) pages) * page;
		gsize n = MIN (page, len - MIN (at, len));
		memset (buf + at, 0, n);
		*what = g_strdup_printf ("%" G_GSIZE_FORMAT " bytes zeroed at %" G_GSIZE_FORMAT, n,
					 at);
		break;
	}
	case N_KINDS:
	default:
		g_assert_not_reached ();
	}
	return (gchar *) buf;
}

static void
test_mutations (void)
{
	g_autofree gchar *data_dir = cs_pst_test_data_dir ();
	const gchar *cli = g_getenv ("CRMSYNC_CLI");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *tmp = NULL;
	guint counts[3] = {0, 0, 0};
	GBytes *files[G_N_ELEMENTS (bases)] = {NULL};

	if (data_dir == NULL)
		return;
	g_assert_nonnull (cli);
	tmp = g_dir_make_tmp ("cs-pst-mutation-XXXXXX", &error);
	g_assert_no_error (error);

	for (guint i = shard_index; i < N_MUTATIONS; i += shard_count) {
		guint b = i % G_N_ELEMENTS (bases);
		g_autofree gchar *path = NULL;
		g_autofree gchar *what = NULL;
		g_autofree gchar *mutated = NULL;
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;
		gsize len, mlen;
		const guint8 *orig;
		gint status = 0;
		const gchar *argv[] = {cli, "pst-list", NULL, "--json", NULL};

		if (files[b] == NULL) {
			g_autofree gchar *src = g_build_filename (data_dir, bases[b], NULL);
			gchar *contents = NULL;
			g_assert_true (g_file_get_contents (src, &contents, &len, &error));
			g_assert_no_error (error);
			files[b] = g_bytes_new_take (contents, len);
		}
		orig = g_bytes_get_data (files[b], &len);
		mutated = mutate (orig, len, i, &mlen, &what);
		path = g_strdup_printf ("%s/m%03u-%s.pst", tmp, i,
					kind_names[(i / G_N_ELEMENTS (bases)) % N_KINDS]);
		g_assert_true (g_file_set_contents (path, mutated, (gssize) mlen, &error));
		g_assert_no_error (error);

		argv[2] = path;
		g_assert_true (g_spawn_sync (NULL, (gchar **) argv, NULL, G_SPAWN_DEFAULT, NULL,
					     NULL, &out, &err, &status, &error));
		g_assert_no_error (error);
		if (!WIFEXITED (status)) {
			g_test_message ("mutation %u of %s (%s): killed by signal %d", i, bases[b],
					what, WTERMSIG (status));
			g_test_fail ();
		} else if (WEXITSTATUS (status) == 0) {
			g_autoptr(JsonParser) parser = json_parser_new ();
			if (!json_parser_load_from_data (parser, out, -1, NULL)) {
				g_test_message ("mutation %u of %s (%s): exit 0 without JSON", i,
						bases[b], what);
				g_test_fail ();
			}
			counts[0]++;
		} else if (WEXITSTATUS (status) <= 2) {
			g_autofree gchar *msg = g_strdup (err);
			g_strstrip (msg);
			if (msg[0] == '\0' || strstr (msg, path) == NULL || strchr (msg, '\n')) {
				g_test_message ("mutation %u of %s (%s): exit %d, message “%s”",
						i, bases[b], what, WEXITSTATUS (status), msg);
				g_test_fail ();
			}
			else
				g_test_message ("mutation %u (%s): %s", i, what, msg);
			counts[WEXITSTATUS (status)]++;
		} else {
			g_test_message ("mutation %u of %s (%s): exit %d: %s", i, bases[b], what,
					WEXITSTATUS (status), err);
			g_test_fail ();
		}
		g_unlink (path);
	}
	g_test_message ("shard %u/%u: %u listed, %u partial, %u refused with a message",
			shard_index + 1, shard_count, counts[0], counts[1], counts[2]);
	for (guint b = 0; b < G_N_ELEMENTS (bases); b++)
		g_clear_pointer (&files[b], g_bytes_unref);
	g_rmdir (tmp);
}

int
main (int argc, char **argv)
{
	g_autofree gchar *shard = NULL;
	GOptionEntry entries[] = {
	    {"shard", 0, 0, G_OPTION_ARG_STRING, &shard, "Run every Nth mutation from I", "I/N"},
	    {NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new (NULL);

	g_test_init (&argc, &argv, NULL);
	g_option_context_add_main_entries (ctx, entries, NULL);
	g_option_context_set_ignore_unknown_options (ctx, TRUE);
	if (!g_option_context_parse (ctx, &argc, &argv, NULL))
		return 2;
	if (shard != NULL && sscanf (shard, "%u/%u", &shard_index, &shard_count) == 2 &&
	    shard_count > 0 && shard_index >= 1 && shard_index <= shard_count)
		shard_index--;
	else
		shard_index = 0, shard_count = shard != NULL ? 0 : 1;
	g_assert_cmpuint (shard_count, >, 0);
	g_test_add_func ("/pst/real-data/mutations", test_mutations);
	return g_test_run ();
}
