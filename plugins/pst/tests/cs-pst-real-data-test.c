/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pst provider over every file in ../shared/data/pst: what a user of
 * Outlook would see (item counts per kind, named values), what is not the
 * user's (special folders), and clean errors for files that cannot be read.
 */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "cs-pst-test-common.h"

typedef struct {
	const gchar *file;
	const gchar *format;
	guint contacts, tasks, events, emails;
	const gchar *why; /* where libpst's own counts (data README) differ */
} Expect;

static const Expect expected[] = {
    {"Aspose.Email-for-.NET/Chunks/Test_part1.pst", "Unicode", 21, 0, 9, 31,
     "libpff reads 9 of the 21 contacts the Contacts contents table lists; libpst reads all 21"},
    {"Aspose.Email-for-.NET/Outlook.pst", "Unicode", 1, 0, 1, 14,
     "libpst's other=6 are hidden items and non-IPM classes"},
    {"Aspose.Email-for-.NET/PersonalStorageFile1.pst", "Unicode", 72, 0, 0, 0,
     "contacts filed in a mail folder"},
    {"PstReader/hughbe_Outlook.pst", "Unicode", 1, 1, 1, 0,
     "the one mail is in Drafts (found by PR_IPM_DRAFTS_ENTRYID), the journal entry and "
     "the distribution list are no kind of ours"},
    {"go-pst/32-bit.pst", "ANSI", 0, 0, 1, 0, NULL},
    {"go-pst/support.pst", "Unicode", 0, 0, 0, 17,
     "libpst's appt/contact/task counts are empty IPF folders; 11 mails in Sent Messages and "
     "6 in a folder called Drafts that no store entry names as Drafts"},
    {"java-libpst/dist-list.pst", "Unicode", 1, 0, 1, 0, "the distribution list is not a contact"},
    {"java-libpst/passworded.pst", "Unicode", 1, 0, 0, 0, "password ignored, as Outlook's is"},
    {"outlook-pst-rs/Empty.pst", "Unicode", 0, 0, 0, 0, NULL},
    {"process-pst/multiple_to_cc.pst", "Unicode", 0, 0, 0, 1,
     "libpst's second mail is a hidden (associated) item"},
    {"process-pst/unsent_email.pst", "Unicode", 2, 0, 0, 0, "the unsent mail is in Drafts"},
    {"pst2john/2003_high-encryption_quickquick.pst", "Unicode", 0, 0, 0, 0,
     "all 36 mails are in Deleted Items"},
    {"pst2john/97_outlook_pass12345.pst", "ANSI", 0, 0, 0, 177,
     "170 in Inbox and 7 in Sent Items; 112 in Deleted Items and 5 in Outbox are left out"},
    {"pstsdk/sample2.pst", "ANSI", 0, 0, 0, 1, NULL},
    {"pstsdk/test_unicode.pst", "Unicode", 0, 0, 0, 0, "two items of other classes"},
    {"ruby-msg/200 recipients.pst", "Unicode", 0, 0, 0, 1,
     "libpst's 200 attachments are the 200 recipients"},
    {"tika/testPST.pst", "Unicode", 0, 0, 0, 7, "mails at the top of the store"},
};

static gchar *data_dir;

/* skips the test (fails it in CI) when the shared data is missing */
static gboolean
need_data (void)
{
	g_free (data_dir);
	data_dir = cs_pst_test_data_dir ();
	return data_dir != NULL;
}

static CsProvider *
open_file (const gchar *rel, const gchar *const *extra)
{
	g_autofree gchar *path = g_build_filename (data_dir, rel, NULL);
	g_autoptr(CsProvider) provider = cs_pst_test_provider (path, extra);
	g_autoptr(GError) error = NULL;

	g_assert_true (cs_provider_open (provider, NULL, &error));
	g_assert_no_error (error);
	return g_steal_pointer (&provider);
}

static CsReadSink *
read_kind (CsProvider *provider, CsKind kind)
{
	g_autoptr(GError) error = NULL;
	CsReadSink *sink = cs_pst_test_read (provider, kind, &error);
	g_assert_no_error (error);
	g_assert_nonnull (sink);
	/* a file has no deltas: every listing is complete */
	g_assert_true (cs_read_sink_get_complete (sink));
	return sink;
}

static guint
count_kind (CsProvider *provider, CsKind kind)
{
	g_autoptr(CsReadSink) sink = read_kind (provider, kind);
	GPtrArray *records = cs_read_sink_get_records (sink);

	for (guint i = 0; i < records->len; i++) {
		CsRecord *r = g_ptr_array_index (records, i);
		g_assert_nonnull (cs_record_get_id (r));
		g_assert_nonnull (cs_record_get_version (r));
		g_assert_nonnull (cs_record_get_folder (r));
	}
	g_assert_cmpuint (cs_read_sink_get_skips (sink)->len, ==, 0);
	return records->len;
}

static void
test_counts (gconstpointer data)
{
	const Expect *e = data;
	g_autoptr(CsProvider) provider = NULL;
	g_autofree gchar *format = NULL;

	if (!need_data ())
		return;
	if (e->why != NULL)
		g_test_message ("%s: %s", e->file, e->why);
	provider = open_file (e->file, NULL);
	g_object_get (provider, "format", &format, NULL);
	g_assert_cmpstr (format, ==, e->format);
	g_assert_cmpuint (count_kind (provider, CS_KIND_CONTACT), ==, e->contacts);
	g_assert_cmpuint (count_kind (provider, CS_KIND_TASK), ==, e->tasks);
	g_assert_cmpuint (count_kind (provider, CS_KIND_EVENT), ==, e->events);
	g_assert_cmpuint (count_kind (provider, CS_KIND_EMAIL), ==, e->emails);
}

static guint
count_in_folder (CsReadSink *sink, const gchar *folder)
{
	GPtrArray *records = cs_read_sink_get_records (sink);
	guint n = 0;
	for (guint i = 0; i < records->len; i++)
		if (g_strcmp0 (cs_record_get_folder (g_ptr_array_index (records, i)), folder) == 0)
			n++;
	return n;
}

/* the OST: special folders by the Inbox's entry ids, which an Exchange store
 * writes as long-term ids (database guid + counter), not as PST NIDs */
static void
test_ost (void)
{
	g_autoptr(CsProvider) provider = NULL;
	g_autoptr(CsReadSink) mail = NULL;
	g_autofree gchar *format = NULL;

	if (!need_data ())
		return;
	provider = open_file ("Aspose.Email-for-.NET/SampleOstFile.ost", NULL);
	g_object_get (provider, "format", &format, NULL);
	g_assert_cmpstr (format, ==, "Unicode OST");
	mail = read_kind (provider, CS_KIND_EMAIL);
	/* a body kept only as compressed RTF */
	{
		CsRecord *r = cs_pst_test_find (mail, "subject", "RTF newsletter copy");
		const gchar *body;
		g_assert_nonnull (r);
		body = cs_record_get_string (r, "body");
		g_assert_nonnull (body);
		g_assert_true (g_str_has_prefix (body, "From: Saqib Razzaq"));
		g_assert_nonnull (strstr (body, "Celebrating 10,000 customers"));
		g_assert_null (strchr (body, '\\'));
		for (const gchar *c = body; *c != '\0'; c++)
			g_assert_true ((guchar) *c >= 0x20 || g_ascii_isspace (*c));
	}
	g_assert_cmpuint (count_in_folder (mail, "Inbox"), ==, 11);
	g_assert_cmpuint (count_in_folder (mail, "Inbox/sub1"), ==, 25);
	g_assert_cmpuint (count_in_folder (mail, "Inbox/sub2"), ==, 29);
	g_assert_cmpuint (count_in_folder (mail, "Sent Items"), ==, 6);
	/* 9 messages sit in Sync Issues: Outlook's, not the user's */
	g_assert_cmpuint (count_in_folder (mail, "Sync Issues"), ==, 0);
	g_assert_cmpuint (count_kind (provider, CS_KIND_CONTACT), ==, 0);
	g_assert_cmpuint (count_kind (provider, CS_KIND_TASK), ==, 0);
}

static void
test_unreadable (gconstpointer data)
{
	const gchar *rel = data;
	g_autofree gchar *path = NULL;
	g_autoptr(CsProvider) provider = NULL;
	g_autoptr(GError) error = NULL;

	if (!need_data ())
		return;
	path = g_build_filename (data_dir, rel, NULL);
	provider = cs_pst_test_provider (path, NULL);
	g_assert_false (cs_provider_open (provider, NULL, &error));
	g_assert_error (error, CS_PROVIDER_ERROR, CS_PROVIDER_ERROR_CORRUPT);
	g_test_message ("%s", error->message);
	g_assert_nonnull (strstr (error->message, path));
	g_assert_null (strchr (error->message, '\n'));
	/* and says why, beyond the file name */
	g_assert_cmpuint (strlen (error->message), >, strlen (path) + 20);
}

static void
test_contact_values (void)
{
	g_autoptr(CsProvider) provider = NULL;
	g_autoptr(CsReadSink) sink = NULL;
	CsRecord *r;

	if (!need_data ())
		return;
	provider = open_file ("PstReader/hughbe_Outlook.pst", NULL);
	sink = read_kind (provider, CS_KIND_CONTACT);
	r = cs_pst_test_find (sink, "surname", "Member");
	g_assert_nonnull (r);
	g_assert_cmpstr (cs_record_get_string (r, "givenName"), ==, "Distribution");
	g_assert_cmpstr (cs_record_get_string (r, "middleName"), ==, "List");
	g_assert_cmpstr (cs_record_get_string (r, "email1"), ==, "email@gmail.com");
	g_assert_cmpstr (cs_record_get_string (r, "displayName"), ==, "Distribution List Member");
	g_assert_cmpstr (cs_record_get_string (r, "fileAs"), ==, "Member, Distribution List");
	g_assert_cmpstr (cs_record_get_folder (r), ==, "Contacts");
	g_assert_cmpint (cs_record_get_modified (r), >, 0);
	g_clear_object (&sink);
	g_clear_object (&provider);

	provider = open_file ("Aspose.Email-for-.NET/Outlook.pst", NULL);
	sink = read_kind (provider, CS_KIND_CONTACT);
	r = cs_pst_test_find (sink, "email1", "saqib.razzaq@xp.local");
	g_assert_nonnull (r);
	g_assert_cmpstr (cs_record_get_string (r, "givenName"), ==, "Saqib");
	g_assert_cmpstr (cs_record_get_string (r, "surname"), ==, "Razzaq");
	g_assert_cmpstr (cs_record_get_string (r, "companyName"), ==, "Aspose");
	g_assert_cmpstr (cs_record_get_string (r, "jobTitle"), ==, "Developer");
	g_assert_cmpstr (cs_record_get_string (r, "mobilePhone"), ==, "3334443333");
	g_clear_object (&sink);
	g_clear_object (&provider);

	/* contacts kept in a mail folder are contacts all the same */
	provider = open_file ("Aspose.Email-for-.NET/PersonalStorageFile1.pst", NULL);
	sink = read_kind (provider, CS_KIND_CONTACT);
	r = cs_pst_test_find (sink, "email1", "SebastianWright@dayrep.com");
	g_assert_nonnull (r);
	g_assert_cmpstr (cs_record_get_string (r, "displayName"), ==, "Sebastian Wright");
	g_assert_cmpstr (cs_record_get_folder (r), ==, "myInbox");
}

static void
test_event_values (void)
{
	g_autoptr(CsProvider) provider = NULL;
	g_autoptr(CsReadSink) sink = NULL;
	CsRecord *r;
	GVariant *rec;
	g_autoptr(GVariant) pattern = NULL;
	g_autoptr(GVariant) days = NULL;

	if (!need_data ())
		return;
	provider = open_file ("PstReader/hughbe_Outlook.pst", NULL);
	sink = read_kind (provider, CS_KIND_EVENT);
	r = cs_pst_test_find (sink, "subject", "Appointment");
	g_assert_nonnull (r);
	g_assert_cmpstr (cs_record_get_string (r, "start"), ==, "2021-02-04T11:00:00Z");
	g_assert_cmpstr (cs_record_get_string (r, "end"), ==, "2021-02-04T11:30:00Z");
	g_assert_false (cs_record_get_bool (r, "isAllDay", TRUE));
	g_assert_cmpstr (cs_record_get_string (r, "showAs"), ==, "busy");
	g_clear_object (&sink);
	g_clear_object (&provider);

	/* ANSI (Outlook 97-2002) */
	provider = open_file ("go-pst/32-bit.pst", NULL);
	sink = read_kind (provider, CS_KIND_EVENT);
	r = cs_pst_test_find (sink, "subject", "Updated: Olympus training for new hires");
	g_assert_nonnull (r);
	g_assert_cmpstr (cs_record_get_string (r, "start"), ==, "2004-08-19T18:30:00Z");
	g_assert_cmpstr (cs_record_get_string (r, "end"), ==, "2004-08-19T19:30:00Z");
	g_assert_cmpstr (cs_record_get_string (r, "showAs"), ==, "tentative");
	g_assert_cmpstr (cs_record_get_string (r, "organizer"), ==, "Cyndy Foulkrod");
	g_clear_object (&sink);
	g_clear_object (&provider);

	/* a weekly series with a reminder */
	provider = open_file ("java-libpst/dist-list.pst", NULL);
	sink = read_kind (provider, CS_KIND_EVENT);
	r = cs_pst_test_find (sink, "subject", "Test appointment");
	g_assert_nonnull (r);
	g_assert_cmpstr (cs_record_get_string (r, "start"), ==, "2016-08-02T15:00:00Z");
	g_assert_true (cs_record_get_bool (r, "isReminderOn", FALSE));
	g_assert_cmpint (cs_record_get_int (r, "reminderMinutesBeforeStart", 0), ==, 15);
	/* the file says "Pacific Standard Time" */
	g_assert_cmpstr (cs_record_get_string (r, "timeZone"), ==, "America/Los_Angeles");
	rec = cs_record_get_field (r, "recurrence");
	g_assert_nonnull (rec);
	pattern = g_variant_lookup_value (rec, "pattern", G_VARIANT_TYPE_VARDICT);
	g_assert_nonnull (pattern);
	days = g_variant_lookup_value (pattern, "daysOfWeek", G_VARIANT_TYPE_STRING_ARRAY);
	g_assert_nonnull (days);
	g_assert_cmpuint (g_variant_n_children (days), ==, 1);
	{
		g_autoptr(GVariant) type = g_variant_lookup_value (pattern, "type", NULL);
		g_autoptr(GVariant) day = g_variant_get_child_value (days, 0);
		g_assert_cmpstr (g_variant_get_string (type, NULL), ==, "weekly");
		g_assert_cmpstr (g_variant_get_string (day, NULL), ==, "tuesday");
	}
	/* one occurrence cancelled, two moved by an hour or two (Pacific time) */
	{
		g_autoptr(GVariant) exceptions = g_variant_lookup_value (rec, "exceptions", NULL);
		g_autoptr(GVariant) range = g_variant_lookup_value (rec, "range", NULL);
		g_autoptr(GVariant) e0 = NULL;
		g_autoptr(GVariant) e1 = NULL;
		const gchar *s = NULL;
		gboolean deleted = FALSE;

		g_assert_nonnull (range);
		g_assert_true (g_variant_lookup (range, "type", "&s", &s));
		g_assert_cmpstr (s, ==, "noEnd");
		g_assert_true (g_variant_lookup (range, "startDate", "&s", &s));
		g_assert_cmpstr (s, ==, "2016-08-02");
		g_assert_nonnull (exceptions);
		g_assert_cmpuint (g_variant_n_children (exceptions), ==, 3);
		g_variant_get_child (exceptions, 0, "v", &e0);
		g_assert_true (g_variant_lookup (e0, "originalStart", "&s", &s));
		g_assert_cmpstr (s, ==, "2016-08-09T15:00:00Z");
		g_assert_true (g_variant_lookup (e0, "deleted", "b", &deleted));
		g_assert_true (deleted);
		g_variant_get_child (exceptions, 1, "v", &e1);
		g_assert_true (g_variant_lookup (e1, "originalStart", "&s", &s));
		g_assert_cmpstr (s, ==, "2016-08-23T15:00:00Z");
		g_assert_true (g_variant_lookup (e1, "start", "&s", &s));
		g_assert_cmpstr (s, ==, "2016-08-23T16:00:00Z");
		g_assert_true (g_variant_lookup (e1, "end", "&s", &s));
		g_assert_cmpstr (s, ==, "2016-08-23T16:30:00Z");
	}
}

/* libpst drops every task property: these come from the property records */
static void
test_task_values (void)
{
	g_autoptr(CsProvider) provider = NULL;
	g_autoptr(CsReadSink) sink = NULL;
	CsRecord *r;

	if (!need_data ())
		return;
	provider = open_file ("PstReader/hughbe_Outlook.pst", NULL);
	sink = read_kind (provider, CS_KIND_TASK);
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 1);
	r = cs_pst_test_find (sink, "subject", "Task");
	g_assert_nonnull (r);
	g_assert_cmpstr (cs_record_get_string (r, "status"), ==, "completed");
	g_assert_cmpint (cs_record_get_int (r, "percentComplete", -1), ==, 100);
	g_assert_cmpstr (cs_record_get_string (r, "completedDate"), ==, "2021-02-04");
	/* the task was completed without ever having a due date */
	g_assert_false (cs_record_has_field (r, "dueDate"));
	g_assert_cmpstr (cs_record_get_string (r, "importance"), ==, "normal");
	g_assert_false (cs_record_get_bool (r, "isReminderOn", TRUE));
	g_assert_cmpstr (cs_record_get_folder (r), ==, "Tasks");
}

static void
test_email_values (void)
{
	g_autoptr(CsProvider) provider = NULL;
	g_autoptr(CsReadSink) sink = NULL;
	CsRecord *r;
	GVariant *v;
	g_autoptr(GVariant) first = NULL;
	g_autoptr(GVariant) name = NULL;
	g_autoptr(GVariant) size = NULL;
	const gchar *const to[] = {"pst-test-1@aranetic.com", "pst-test-2@aranetic.com", NULL};
	const gchar *const cc[] = {"pst-test-3@aranetic.com", "pst-test-4@aranetic.com", NULL};

	if (!need_data ())
		return;
	/* To and Cc with their addresses: the recipient table, not in libpst */
	provider = open_file ("process-pst/multiple_to_cc.pst", NULL);
	sink = read_kind (provider, CS_KIND_EMAIL);
	r = cs_pst_test_find (sink, "subject", "Multiple recipients");
	g_assert_nonnull (r);
	g_assert_cmpstr (cs_record_get_string (r, "fromAddress"), ==, "pst-test-1@aranetic.com");
	g_assert_cmpstr (cs_record_get_string (r, "fromName"), ==, "John Doe");
	g_assert_cmpstr (cs_record_get_string (r, "messageId"), ==,
			 "<000001cb1620$6ddb3c40$4991b4c0$@aranetic.com>");
	g_assert_cmpstr (cs_record_get_string (r, "sentDateTime"), ==, "2010-06-27T17:44:43Z");
	g_assert_cmpstr (cs_record_get_string (r, "receivedDateTime"), ==, "2010-06-27T17:44:45Z");
	g_assert_cmpstr (cs_record_get_string (r, "direction"), ==, "inbound");
	v = cs_record_get_field (r, "toAddresses");
	g_assert_nonnull (v);
	{
		/* the array is ours, its strings the variant's */
		g_autofree const gchar **got = g_variant_get_strv (v, NULL);
		g_assert_true (g_strv_equal (got, to));
	}
	v = cs_record_get_field (r, "ccAddresses");
	g_assert_nonnull (v);
	{
		g_autofree const gchar **got = g_variant_get_strv (v, NULL);
		g_assert_true (g_strv_equal (got, cc));
	}
	g_assert_false (cs_record_get_bool (r, "hasAttachments", TRUE));
	g_clear_object (&sink);
	g_clear_object (&provider);

	/* a mail with only an HTML body gets its text */
	provider = open_file ("go-pst/support.pst", NULL);
	sink = read_kind (provider, CS_KIND_EMAIL);
	r = cs_pst_test_find (sink, "subject", "Desktop exploits suspension notice");
	g_assert_nonnull (r);
	g_assert_true (g_str_has_prefix (cs_record_get_string (r, "body"), "Dear Client,\n"));
	g_assert_null (strchr (cs_record_get_string (r, "body"), '<'));
	g_clear_object (&sink);
	g_clear_object (&provider);

	provider = open_file ("ruby-msg/200 recipients.pst", NULL);
	sink = read_kind (provider, CS_KIND_EMAIL);
	r = cs_pst_test_find (sink, "subject", "200 recipients");
	g_assert_nonnull (r);
	v = cs_record_get_field (r, "toAddresses");
	g_assert_nonnull (v);
	g_assert_cmpuint (g_variant_n_children (v), ==, 200);
	g_assert_false (cs_record_get_bool (r, "hasAttachments", TRUE));
	g_clear_object (&sink);
	g_clear_object (&provider);

	/* attachments: names and sizes, no content unless asked */
	provider = open_file ("pstsdk/sample2.pst", NULL);
	sink = read_kind (provider, CS_KIND_EMAIL);
	r = cs_pst_test_find (sink, "subject", "Here is a sample message");
	g_assert_nonnull (r);
	g_assert_cmpstr (cs_record_get_string (r, "fromAddress"), ==, "terrymah@microsoft.com");
	g_assert_true (cs_record_get_bool (r, "hasAttachments", FALSE));
	v = cs_record_get_field (r, "attachments");
	g_assert_nonnull (v);
	g_assert_cmpuint (g_variant_n_children (v), ==, 1);
	first = g_variant_get_child_value (v, 0);
	first = g_variant_get_variant (g_steal_pointer (&first));
	name = g_variant_lookup_value (first, "name", G_VARIANT_TYPE_STRING);
	size = g_variant_lookup_value (first, "size", G_VARIANT_TYPE_INT64);
	g_assert_cmpstr (g_variant_get_string (name, NULL), ==, "leah_thumper.jpg");
	g_assert_cmpint (g_variant_get_int64 (size), ==, 93142);
	g_assert_false (g_variant_lookup (first, "contentBase64", "&s", NULL));
	/* categories of an ANSI file (PT_MV_STRING8): none were read before */
	v = cs_record_get_field (r, "categories");
	g_assert_nonnull (v);
	{
		g_autofree const gchar **cats = g_variant_get_strv (v, NULL);
		const gchar *want[] = {"Green Category", "Red Category", NULL};
		g_assert_true (g_strv_equal (cats, want));
	}
}

static void
test_attachment_content (void)
{
	const gchar *const extra[] = {"attachments=true", NULL};
	g_autoptr(CsProvider) provider = NULL;
	g_autoptr(CsReadSink) sink = NULL;
	g_autoptr(GVariant) first = NULL;
	g_autofree guchar *data = NULL;
	const gchar *b64 = NULL;
	gsize len = 0;
	CsRecord *r;

	if (!need_data ())
		return;
	provider = open_file ("pstsdk/sample2.pst", extra);
	sink = read_kind (provider, CS_KIND_EMAIL);
	r = cs_pst_test_find (sink, "subject", "Here is a sample message");
	g_assert_nonnull (r);
	first = g_variant_get_child_value (cs_record_get_field (r, "attachments"), 0);
	first = g_variant_get_variant (g_steal_pointer (&first));
	g_assert_true (g_variant_lookup (first, "contentBase64", "&s", &b64));
	data = g_base64_decode (b64, &len);
	g_assert_cmpuint (len, ==, 93142);
	/* a JPEG */
	g_assert_cmpint (data[0], ==, 0xFF);
	g_assert_cmpint (data[1], ==, 0xD8);
}

/* Drafts, Deleted Items, Outbox, Junk: by the store's entry ids, whatever
 * the folders are called (support.pst is Italian, SampleOstFile English) */
static void
test_special_folders (void)
{
	g_autoptr(CsProvider) provider = NULL;
	g_autoptr(CsReadSink) sink = NULL;

	if (!need_data ())
		return;
	provider = open_file ("process-pst/unsent_email.pst", NULL);
	sink = read_kind (provider, CS_KIND_EMAIL);
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 0);
	g_clear_object (&sink);
	g_clear_object (&provider);

	provider = open_file ("pst2john/97_outlook_pass12345.pst", NULL);
	sink = read_kind (provider, CS_KIND_EMAIL);
	g_assert_cmpuint (count_in_folder (sink, "Inbox"), ==, 170);
	g_assert_cmpuint (count_in_folder (sink, "Sent Items"), ==, 7);
	g_assert_cmpuint (count_in_folder (sink, "Deleted Items"), ==, 0);
	g_assert_cmpuint (count_in_folder (sink, "Outbox"), ==, 0);
	/* mails in Sent Items are the user's own */
	for (guint i = 0; i < cs_read_sink_get_records (sink)->len; i++) {
		CsRecord *r = g_ptr_array_index (cs_read_sink_get_records (sink), i);
		gboolean sent = g_strcmp0 (cs_record_get_folder (r), "Sent Items") == 0;
		g_assert_cmpstr (cs_record_get_string (r, "direction"), ==,
				 sent ? "outbound" : "inbound");
	}
}

static void
test_folder_filter (void)
{
	const gchar *const only_contacts[] = {"folders=Contacts", NULL};
	const gchar *const sub1[] = {"folders=Inbox/sub1; Sent Items", NULL};
	const gchar *const inbox[] = {"folders=Inbox", NULL};
	g_autoptr(CsProvider) provider = NULL;
	g_autoptr(CsReadSink) sink = NULL;

	if (!need_data ())
		return;
	provider = open_file ("Aspose.Email-for-.NET/Chunks/Test_part1.pst", only_contacts);
	g_assert_cmpuint (count_kind (provider, CS_KIND_CONTACT), ==, 21);
	g_assert_cmpuint (count_kind (provider, CS_KIND_EMAIL), ==, 0);
	g_assert_cmpuint (count_kind (provider, CS_KIND_EVENT), ==, 0);
	g_clear_object (&provider);

	provider = open_file ("Aspose.Email-for-.NET/SampleOstFile.ost", sub1);
	g_assert_cmpuint (count_kind (provider, CS_KIND_EMAIL), ==, 25 + 6);
	g_clear_object (&provider);

	/* a folder includes its subfolders */
	provider = open_file ("Aspose.Email-for-.NET/SampleOstFile.ost", inbox);
	sink = read_kind (provider, CS_KIND_EMAIL);
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 11 + 25 + 29);
}

/* ids are descriptor ids: the same on every read; versions follow content */
static void
test_ids_stable (void)
{
	g_autoptr(CsProvider) provider = NULL;
	g_autoptr(CsReadSink) a = NULL;
	g_autoptr(CsReadSink) b = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
	GPtrArray *ra, *rb;

	if (!need_data ())
		return;
	provider = open_file ("Aspose.Email-for-.NET/Chunks/Test_part1.pst", NULL);
	a = read_kind (provider, CS_KIND_CONTACT);
	b = read_kind (provider, CS_KIND_CONTACT);
	ra = cs_read_sink_get_records (a);
	rb = cs_read_sink_get_records (b);
	g_assert_cmpuint (ra->len, ==, rb->len);
	for (guint i = 0; i < ra->len; i++) {
		CsRecord *x = g_ptr_array_index (ra, i);
		CsRecord *y = g_ptr_array_index (rb, i);
		g_autofree gchar *hash = cs_record_hash_fields (x, NULL);
		g_assert_cmpstr (cs_record_get_id (x), ==, cs_record_get_id (y));
		g_assert_cmpstr (cs_record_get_version (x), ==, cs_record_get_version (y));
		g_assert_cmpstr (cs_record_get_version (x), ==, hash);
		/* unique ids, even for the nine identical copies of one contact */
		g_assert_false (g_hash_table_contains (seen, cs_record_get_id (x)));
		g_hash_table_add (seen, (gpointer) cs_record_get_id (x));
	}
}

/* one reader pass serves contacts, tasks and events; what it kept for later
 * must not outlive a change of the file */
static void
test_cache_follows_file (void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *tmp = NULL;
	g_autofree gchar *copy = NULL;
	g_autofree gchar *a = NULL;
	g_autofree gchar *b = NULL;
	gchar *contents = NULL;
	gsize len;
	g_autoptr(CsProvider) provider = NULL;
	g_autoptr(CsReadSink) sink = NULL;

	if (!need_data ())
		return;
	a = g_build_filename (data_dir, "PstReader/hughbe_Outlook.pst", NULL);
	b = g_build_filename (data_dir, "Aspose.Email-for-.NET/Chunks/Test_part1.pst", NULL);
	tmp = g_dir_make_tmp ("cs-pst-cache-XXXXXX", &error);
	g_assert_no_error (error);
	copy = g_build_filename (tmp, "data.pst", NULL);
	g_assert_true (g_file_get_contents (a, &contents, &len, &error));
	g_assert_true (g_file_set_contents (copy, contents, (gssize) len, &error));
	g_free (contents);

	provider = cs_pst_test_provider (copy, NULL);
	g_assert_true (cs_provider_open (provider, NULL, &error));
	g_assert_no_error (error);
	sink = cs_pst_test_read (provider, CS_KIND_CONTACT, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 1);
	g_clear_object (&sink);

	/* the user's Outlook rewrote the file in between */
	g_assert_true (g_file_get_contents (b, &contents, &len, &error));
	g_assert_true (g_file_set_contents (copy, contents, (gssize) len, &error));
	g_free (contents);
	sink = cs_pst_test_read (provider, CS_KIND_TASK, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 0);
	g_clear_object (&sink);
	sink = cs_pst_test_read (provider, CS_KIND_EVENT, &error);
	g_assert_cmpuint (cs_read_sink_get_records (sink)->len, ==, 9);

	g_unlink (copy);
	g_rmdir (tmp);
}

/* e-mail → person matching asks the file for a contact by address */
static void
test_find (void)
{
	g_autoptr(CsProvider) provider = NULL;
	g_autoptr(GPtrArray) found = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) addr = g_variant_ref_sink (g_variant_new_string ("Email@Gmail.com"));
	g_autoptr(GVariant) to =
	    g_variant_ref_sink (g_variant_new_string ("pst-test-4@aranetic.com"));

	if (!need_data ())
		return;
	provider = open_file ("PstReader/hughbe_Outlook.pst", NULL);
	found = cs_provider_find (provider, CS_KIND_CONTACT, "email1", addr, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (found->len, ==, 1);
	g_assert_cmpstr (cs_record_get_string (g_ptr_array_index (found, 0), "surname"), ==,
			 "Member");
	g_clear_pointer (&found, g_ptr_array_unref);
	g_clear_object (&provider);

	provider = open_file ("process-pst/multiple_to_cc.pst", NULL);
	found = cs_provider_find (provider, CS_KIND_EMAIL, "ccAddresses", to, NULL, &error);
	g_assert_no_error (error);
	g_assert_cmpuint (found->len, ==, 1);
}

static void
test_read_only (void)
{
	g_autoptr(CsProvider) provider = NULL;
	g_autoptr(GPtrArray) ops =
	    g_ptr_array_new_with_free_func ((GDestroyNotify) cs_write_op_free);
	g_autoptr(GError) error = NULL;
	g_autoptr(CsRecord) rec = cs_record_new (CS_KIND_CONTACT, NULL);

	if (!need_data ())
		return;
	provider = open_file ("PstReader/hughbe_Outlook.pst", NULL);
	g_assert_cmpint (cs_provider_get_caps (provider, CS_KIND_CONTACT), ==, CS_CAP_READ);
	cs_record_set_string (rec, "givenName", "New");
	g_ptr_array_add (ops, cs_write_op_new (CS_WRITE_CREATE, rec));
	g_assert_true (cs_provider_write (provider, CS_KIND_CONTACT, ops, NULL, &error));
	g_assert_no_error (error);
	g_assert_error (((CsWriteOp *) g_ptr_array_index (ops, 0))->error, CS_PROVIDER_ERROR,
			CS_PROVIDER_ERROR_READ_ONLY);
}

int
main (int argc, char **argv)
{
	g_test_init (&argc, &argv, NULL);

	for (guint i = 0; i < G_N_ELEMENTS (expected); i++) {
		g_autofree gchar *name = g_strdup_printf ("/pst/real-data/counts/%s",
							  expected[i].file);
		g_strdelimit (name + strlen ("/pst/real-data/counts/"), "/ ", '_');
		g_test_add_data_func (name, &expected[i], test_counts);
	}
	g_test_add_func ("/pst/real-data/ost", test_ost);
	g_test_add_data_func ("/pst/real-data/unreadable/missing-blocks",
			      "Aspose.Email-for-.NET/AddingBulkMessagesWithImprovedPerformance.pst",
			      test_unreadable);
	g_test_add_data_func ("/pst/real-data/unreadable/truncated-header",
			      "pstreader-jmcleodfoss/truncated-in-header.bin", test_unreadable);
	g_test_add_func ("/pst/real-data/contact-values", test_contact_values);
	g_test_add_func ("/pst/real-data/event-values", test_event_values);
	g_test_add_func ("/pst/real-data/task-values", test_task_values);
	g_test_add_func ("/pst/real-data/email-values", test_email_values);
	g_test_add_func ("/pst/real-data/attachment-content", test_attachment_content);
	g_test_add_func ("/pst/real-data/special-folders", test_special_folders);
	g_test_add_func ("/pst/real-data/folder-filter", test_folder_filter);
	g_test_add_func ("/pst/real-data/ids-stable", test_ids_stable);
	g_test_add_func ("/pst/real-data/read-only", test_read_only);
	g_test_add_func ("/pst/real-data/find", test_find);
	g_test_add_func ("/pst/real-data/cache-follows-file", test_cache_follows_file);
	return g_test_run ();
}
