/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading damaged files (issue 14, item 6): 200 copies of the real files with
 * a few bytes flipped at random (fixed seed), each listed with `crmsync-cli
 * pst-list --json` beside the listing of the file it was made from. Strict:
 * every record listed from a damaged copy is one the original lists, with the
 * same folder and exactly the same fields; a record whose blocks fail is
 * absent (and reported as skipped), never built from garbage. Before the
 * reader checked the format's CRCs, most damaged Unicode files gave altered
 * names and addresses with exit 0.
 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include <glib/gstdio.h>

#include "cs-pst-test-common.h"

#define N_COPIES 200
#define SEED	 20261206

/* files that list records (Unicode, ANSI, OST) */
static const gchar *bases[] = {
	"PstReader/hughbe_Outlook.pst",
	"java-libpst/dist-list.pst",
	"java-libpst/passworded.pst",
	"process-pst/unsent_email.pst",
	"process-pst/multiple_to_cc.pst",
	"Aspose.Email-for-.NET/PersonalStorageFile1.pst",
	"Aspose.Email-for-.NET/Outlook.pst",
	"Aspose.Email-for-.NET/Chunks/Test_part1.pst",
	"Aspose.Email-for-.NET/SampleOstFile.ost",
	"go-pst/support.pst",
	"go-pst/32-bit.pst",
	"pst2john/97_outlook_pass12345.pst",
	"pstsdk/sample2.pst",
	"ruby-msg/200 recipients.pst",
	"tika/testPST.pst",
};

typedef struct {
	gint status;	/* exit status, -1 for a signal */
	JsonNode *root; /* (owned) (nullable) */
	gchar *err;	/* (owned) */
} Listing;

static void
listing_clear (Listing *l)
{
	g_clear_pointer (&l->root, json_node_unref);
	g_clear_pointer (&l->err, g_free);
}

static void
list_file (const gchar *cli, const gchar *path, Listing *out)
{
	const gchar *argv[] = { cli, "pst-list", "--json", path, NULL };
	g_autofree gchar *text = NULL;
	g_autoptr (GError) error = NULL;
	g_autoptr (JsonParser) parser = json_parser_new ();
	gint status = 0;

	g_assert_true (g_spawn_sync (NULL, (gchar **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &text,
				     &out->err, &status, &error));
	g_assert_no_error (error);
	out->status = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
	out->root = NULL;
	if ((out->status == 0 || out->status == 1)
	    && json_parser_load_from_data (parser, text, -1, NULL))
		out->root = json_node_ref (json_parser_get_root (parser));
}

static GHashTable *
index_items (JsonNode *root)
{
	GHashTable *by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
	JsonArray *items = json_object_get_array_member (json_node_get_object (root), "items");
	for (guint i = 0; i < json_array_get_length (items); i++) {
		JsonObject *it = json_array_get_object_element (items, i);
		g_hash_table_insert (by_key,
				     g_strdup_printf ("%s/%s",
						      json_object_get_string_member (it, "kind"),
						      json_object_get_string_member (it, "id")),
				     it);
	}
	return by_key;
}

/* the damaged copy's record against the original's: folder and every field */
static gboolean
same_record (JsonObject *have, JsonObject *want, gchar **what)
{
	JsonObject *hf = json_object_get_object_member (have, "fields");
	JsonObject *wf = json_object_get_object_member (want, "fields");
	g_autoptr (GList) names = NULL;

	if (g_strcmp0 (json_object_get_string_member_with_default (have, "folder", ""),
		       json_object_get_string_member_with_default (want, "folder", ""))
	    != 0) {
		*what = g_strdup ("folder");
		return FALSE;
	}
	if (json_object_get_size (hf) != json_object_get_size (wf)) {
		*what = g_strdup ("the number of fields");
		return FALSE;
	}
	names = json_object_get_members (hf);
	for (GList *l = names; l != NULL; l = l->next) {
		JsonNode *hv = json_object_get_member (hf, l->data);
		JsonNode *wv = json_object_get_member (wf, l->data);
		if (wv == NULL || !json_node_equal (hv, wv)) {
			*what = g_strdup (l->data);
			return FALSE;
		}
	}
	return TRUE;
}

static void
test_damaged_copies (void)
{
	g_autofree gchar *data_dir = cs_pst_test_data_dir ();
	const gchar *cli = g_getenv ("CRMSYNC_CLI");
	g_autoptr (GError) error = NULL;
	g_autofree gchar *tmp = NULL;
	g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
	Listing originals[G_N_ELEMENTS (bases)] = { { 0 } };
	GBytes *files[G_N_ELEMENTS (bases)] = { NULL };
	guint n_files = 0, n_checked = 0, n_dropped = 0, n_mismatch = 0, n_refused = 0;
	guint n_skipped = 0, n_partial = 0;

	if (data_dir == NULL)
		return;
	g_assert_nonnull (cli);
	tmp = g_dir_make_tmp ("cs-pst-damage-XXXXXX", &error);
	g_assert_no_error (error);

	for (guint b = 0; b < G_N_ELEMENTS (bases); b++) {
		g_autofree gchar *src = g_build_filename (data_dir, bases[b], NULL);
		gchar *contents = NULL;
		gsize len = 0;
		g_assert_true (g_file_get_contents (src, &contents, &len, &error));
		g_assert_no_error (error);
		files[b] = g_bytes_new_take (contents, len);
		list_file (cli, src, &originals[b]);
		/* the whole files read cleanly: nothing skipped */
		g_assert_cmpint (originals[b].status, ==, 0);
		g_assert_nonnull (originals[b].root);
	}

	for (guint i = 0; i < N_COPIES; i++) {
		guint b = i % G_N_ELEMENTS (bases);
		gsize len;
		const guint8 *orig = g_bytes_get_data (files[b], &len);
		g_autofree guint8 *buf = g_memdup2 (orig, len);
		g_autofree gchar *path = g_strdup_printf ("%s/d%03u.pst", tmp, i);
		g_autoptr (GHashTable) want = index_items (originals[b].root);
		g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
		guint n_flips = (guint)g_rand_int_range (rand, 1, 9);
		Listing got = { 0 };
		JsonArray *items;

		/* the header and the index roots sit in the first 64 KiB: hit them
		 * half of the time, the whole file otherwise */
		for (guint k = 0; k < n_flips; k++) {
			gsize span = g_rand_boolean (rand) ? MIN (len, 65536) : len;
			gsize pos = (gsize)g_rand_int_range (rand, 0x200, (gint32)span);
			buf[pos] ^= (guint8)g_rand_int_range (rand, 1, 256);
		}
		g_assert_true (g_file_set_contents (path, (const gchar *)buf, (gssize)len, &error));
		g_assert_no_error (error);
		list_file (cli, path, &got);
		n_files++;
		if (got.status == 2) {
			/* refused whole, with one line naming the file */
			g_assert_nonnull (strstr (got.err, path));
			g_test_message ("copy %u of %s refused: %s", i, bases[b], got.err);
			n_refused++;
			n_dropped += g_hash_table_size (want);
			listing_clear (&got);
			g_unlink (path);
			continue;
		}
		if (got.status != 0 && got.status != 1) {
			g_test_message ("copy %u of %s (%u flips): exit %d: %s", i, bases[b],
					n_flips, got.status, got.err);
			g_test_fail ();
			listing_clear (&got);
			continue;
		}
		g_assert_nonnull (got.root);
		if (got.status == 1) {
			JsonArray *sk = json_object_get_array_member (
				json_node_get_object (got.root), "skipped");
			n_partial++;
			n_skipped += json_array_get_length (sk);
			g_assert_cmpuint (json_array_get_length (sk), >, 0);
			g_assert_nonnull (strstr (got.err, path));
			g_assert_nonnull (strstr (got.err, "scanpst.exe"));
		}
		items = json_object_get_array_member (json_node_get_object (got.root), "items");
		for (guint k = 0; k < json_array_get_length (items); k++) {
			JsonObject *it = json_array_get_object_element (items, k);
			g_autofree gchar *key = g_strdup_printf (
				"%s/%s", json_object_get_string_member (it, "kind"),
				json_object_get_string_member (it, "id"));
			JsonObject *orig_it = g_hash_table_lookup (want, key);
			g_autofree gchar *what = NULL;

			n_checked++;
			if (orig_it == NULL) {
				g_test_message ("copy %u of %s: %s is not in the original", i,
						bases[b], key);
				n_mismatch++;
				continue;
			}
			g_hash_table_add (seen, orig_it);
			if (!same_record (it, orig_it, &what)) {
				g_test_message ("copy %u of %s: %s differs in %s", i, bases[b], key,
						what);
				n_mismatch++;
			}
		}
		n_dropped += g_hash_table_size (want) - g_hash_table_size (seen);
		listing_clear (&got);
		g_unlink (path);
	}
	g_test_message ("damaged copies: %u files (%u refused whole, %u partial with %u items "
			"skipped), %u records checked, %u records dropped, mismatches=%u",
			n_files, n_refused, n_partial, n_skipped, n_checked, n_dropped, n_mismatch);
	g_printerr ("damaged copies: %u files (%u refused whole, %u partial with %u items "
		    "skipped), %u records checked, %u records dropped, mismatches=%u\n",
		    n_files, n_refused, n_partial, n_skipped, n_checked, n_dropped, n_mismatch);
	g_assert_cmpuint (n_mismatch, ==, 0);
	/* the copies are damaged where records live: some are dropped */
	g_assert_cmpuint (n_dropped, >, 0);
	for (guint b = 0; b < G_N_ELEMENTS (bases); b++) {
		listing_clear (&originals[b]);
		g_bytes_unref (files[b]);
	}
	g_rmdir (tmp);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);
	g_test_add_func ("/pst/real-data/damaged-copies", test_damaged_copies);
	return g_test_run ();
}
