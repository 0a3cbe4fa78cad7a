/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * crmsync-pst-reader: parses ONE PST/OST file with libpst (plus libpff for the
 * property records libpst drops) and streams its records as JSON lines on
 * stdout. It runs as a child of the pst provider: libpst keeps global state,
 * calls exit() on some errors and can crash on damaged files, so none of that
 * may happen inside the app. The protocol is described in README.md.
 */
#include "config.h"

#include <inttypes.h>

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <glib/gi18n-lib.h>
#include <libpst/libpst.h>
#include <libpst/lzfu.h>

#include "cs-pst-check.h"
#include "cs-pst-json.h"
#include "cs-pst-pff.h"
#include "cs-pst-recur.h"
#include "cs-pst-text.h"

#define NID_TYPE(nid)	     ((nid) & 0x1f)
#define NID_TYPE_FOLDER	     0x02
#define NID_TYPE_SEARCH	     0x03
#define NID_TYPE_MESSAGE     0x04
#define FILETIME_UNIX_OFFSET G_GUINT64_CONSTANT (116444736000000000)

typedef enum {
	KIND_NONE,
	KIND_CONTACT,
	KIND_TASK,
	KIND_EVENT,
	KIND_EMAIL,
} Kind;

static const gchar *kind_names[] = {NULL, "contact", "task", "event", "email"};

typedef struct {
	guint64 nid;
	guint64 parent;
	gchar *name;	     /* (owned) */
	gchar *path;	     /* (owned) (nullable): NULL until resolved */
	gchar *klass;	     /* (owned) (nullable): container class */
	guint8 key[22];	     /* PR_SOURCE_KEY: database guid + global counter */
	gboolean has_key;
	guint8 globcnt[6];   /* from the long-term id when there is no source key */
	gboolean has_globcnt;
	gboolean excluded;   /* system folder, hidden, or under one */
	gboolean sent;	     /* Sent Items or below */
	gchar *damaged;	     /* (owned) (nullable): why its blocks (or a parent's) fail */
	pst_desc_tree *desc; /* (unowned) */
} Folder;

typedef struct {
	pst_file pf;
	gboolean pf_open;
	CsPff *pff; /* (owned) (nullable): NULL when libpff cannot read the file */
	CsPstPcFile *pc; /* (owned): items' own properties, without libpff's list walks */
	CsPstCheck *check; /* (owned): the format's own checks, before any parse */
	const gchar *path;
	GPtrArray *folders;  /* (owned) (element-type Folder) */
	GHashTable *by_nid;  /* nid → Folder (unowned) */
	GHashTable *special; /* nid → reason, folders that are not the user's */
	guint64 sent_nid;
	guint8 store_uid[16]; /* the store's PR_RECORD_KEY: the uid of its entry ids */
	gboolean has_store_uid;
	gchar **only;	     /* (owned) (nullable): folders= filter */
	guint wanted; /* bit per Kind; 0 = all */
	GHashTable *skip; /* (owned) (nullable): NIDs not to read (they crashed us before) */
	gboolean attachments;
	guint n_items;
} Reader;

static void
folder_free (Folder *f)
{
	g_free (f->name);
	g_free (f->path);
	g_free (f->klass);
	g_free (f->damaged);
	g_free (f);
}

/* what a user can do about a damaged file, after every message saying so */
#define REPAIR_HINT \
	N_ ("repair it with Outlook's Inbox Repair Tool (scanpst.exe) and try again")

/* a damaged index can send libpst round a loop: no progress for this long
 * ends the process with a message instead of leaving the caller waiting */
#define WATCHDOG_SECONDS 10

static void
on_watchdog (int sig)
{
	static const char msg[] =
	    "\n{\"type\":\"error\",\"message\":\"the file is damaged (reading it makes no "
	    "progress); repair it with Outlook's Inbox Repair Tool (scanpst.exe) and try "
	    "again\"}\n";
	/* only async-signal-safe calls here */
	if (write (STDOUT_FILENO, msg, sizeof msg - 1) < 0)
		_exit (3);
	_exit (2);
}

/* libpst crashes or exit()s on some damaged items: the item being read is
 * then named on stdout, so that the provider can run us again without it */
static volatile sig_atomic_t in_item;
static guint64 current_nid;
static const gchar *current_kind = "email";
/* `,"folder":"…"` of the folder being read, JSON-quoted beforehand: the
 * provider names it in its message */
static char current_folder[1024];

static void
write_crash_line (void)
{
	char buf[128];
	char digits[24];
	gsize n = 0, k = 0;
	guint64 v = current_nid;
	const char *head = "\n{\"type\":\"crash\",\"id\":\"";
	const char *mid = "\",\"kind\":\"";
	const char *tail = "\"";

	do {
		digits[k++] = (char) ('0' + v % 10);
		v /= 10;
	} while (v != 0 && k < sizeof digits);
	for (const char *c = head; *c != '\0'; c++)
		buf[n++] = *c;
	while (k > 0)
		buf[n++] = digits[--k];
	for (const char *c = mid; *c != '\0'; c++)
		buf[n++] = *c;
	for (const char *c = current_kind; *c != '\0' && n < sizeof buf - 8; c++)
		buf[n++] = *c;
	for (const char *c = tail; *c != '\0'; c++)
		buf[n++] = *c;
	if (write (STDOUT_FILENO, buf, n) < 0 ||
	    write (STDOUT_FILENO, current_folder, strlen (current_folder)) < 0 ||
	    write (STDOUT_FILENO, "}\n", 2) < 0)
		_exit (3);
}

static void
set_current_folder (const gchar *path)
{
	g_autofree gchar *quoted = cs_pst_json_quote (path);
	g_autofree gchar *frag = g_strdup_printf (",\"folder\":%s", quoted);
	/* a path too long for the buffer is left out rather than cut mid-escape */
	if (strlen (frag) < sizeof current_folder)
		memcpy (current_folder, frag, strlen (frag) + 1);
	else
		current_folder[0] = '\0';
}

static void
on_crash (int sig)
{
	/* only async-signal-safe calls here */
	if (in_item)
		write_crash_line ();
	signal (sig, SIG_DFL);
	raise (sig);
}

static void
on_exit_in_item (void)
{
	if (in_item) {
		fflush (stdout);
		write_crash_line ();
	}
}

static void
install_crash_handlers (void)
{
	static char altstack[64 * 1024];
	stack_t ss = {0};
	struct sigaction sa = {0};
	const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

	ss.ss_sp = altstack;
	ss.ss_size = sizeof altstack;
	sigaltstack (&ss, NULL);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
	sigemptyset (&sa.sa_mask);
	for (guint i = 0; i < G_N_ELEMENTS (sigs); i++)
		sigaction (sigs[i], &sa, NULL);
	atexit (on_exit_in_item);
}

/* ---- output ----------------------------------------------------------- */

static void
emit (CsPstJson *b)
{
	gsize len;
	const gchar *text = cs_pst_json_get_text (b, &len);

	fwrite (text, 1, len, stdout);
	fputc ('\n', stdout);
	fflush (stdout);
	alarm (WATCHDOG_SECONDS);
}

static G_NORETURN void
die (const gchar *fmt, ...) G_GNUC_PRINTF (1, 2);

static void
die (const gchar *fmt, ...)
{
	g_autoptr(CsPstJson) b = cs_pst_json_new ();
	g_autofree gchar *msg = NULL;
	va_list args;

	va_start (args, fmt);
	msg = g_strdup_vprintf (fmt, args);
	va_end (args);
	cs_pst_json_begin_object (b);
	cs_pst_json_set_member_name (b, "type");
	cs_pst_json_add_string_value (b, "error");
	cs_pst_json_set_member_name (b, "message");
	cs_pst_json_add_string_value (b, msg);
	cs_pst_json_end_object (b);
	emit (b);
	_exit (2);
}

static void
emit_skip (Kind kind, guint64 nid, const gchar *reason)
{
	g_autoptr(CsPstJson) b = cs_pst_json_new ();
	g_autofree gchar *id = g_strdup_printf ("%" G_GUINT64_FORMAT, nid);

	cs_pst_json_begin_object (b);
	cs_pst_json_set_member_name (b, "type");
	cs_pst_json_add_string_value (b, "skip");
	cs_pst_json_set_member_name (b, "kind");
	cs_pst_json_add_string_value (b, kind_names[kind]);
	cs_pst_json_set_member_name (b, "id");
	cs_pst_json_add_string_value (b, id);
	cs_pst_json_set_member_name (b, "reason");
	cs_pst_json_add_string_value (b, reason);
	cs_pst_json_end_object (b);
	emit (b);
}

/* ---- values ----------------------------------------------------------- */

static gboolean
filetime_valid (guint64 ft)
{
	/* 1601 and 4500-08-31 are Outlook's "none" values */
	return ft > FILETIME_UNIX_OFFSET / 2 && ft < G_GUINT64_CONSTANT (0x0CB5000000000000);
}

static guint64
ft_value (const FILETIME *ft)
{
	if (ft == NULL)
		return 0;
	return (guint64) ft->dwHighDateTime << 32 | ft->dwLowDateTime;
}

static gint64
ft_to_usec (guint64 ft)
{
	return ((gint64) ft - (gint64) FILETIME_UNIX_OFFSET) / 10;
}

static gchar *
ft_to_datetime (guint64 ft)
{
	g_autoptr(GDateTime) dt = NULL;
	if (!filetime_valid (ft))
		return NULL;
	dt = g_date_time_new_from_unix_utc (ft_to_usec (ft) / G_USEC_PER_SEC);
	return dt != NULL ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;
}

/* Outlook keeps dates (birthdays, all-day events, task dates) as the local
 * midnight, sometimes converted to UTC: the nearest midnight is the date
 * for every zone between UTC-12 and UTC+12 */
static gchar *
ft_to_date (guint64 ft)
{
	g_autoptr(GDateTime) dt = NULL;
	if (!filetime_valid (ft))
		return NULL;
	dt = g_date_time_new_from_unix_utc (ft_to_usec (ft) / G_USEC_PER_SEC + 12 * 3600);
	return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d") : NULL;
}

static gchar *
pst_text (pst_item *item, pst_string *s)
{
	if (s == NULL || s->str == NULL)
		return NULL;
	pst_convert_utf8 (item, s);
	if (s->str == NULL || s->str[0] == '\0')
		return NULL;
	if (!g_utf8_validate (s->str, -1, NULL))
		return g_utf8_make_valid (s->str, -1);
	return g_strdup (s->str);
}

static void
add_str (CsPstJson *b, const gchar *name, gchar *value /* (transfer full) */)
{
	g_autofree gchar *v = value;
	gchar *w;
	if (v == NULL)
		return;
	/* control characters have no place in text (and json-glib lets some
	 * through unescaped, which would break the line protocol) */
	w = v;
	for (const gchar *c = v; *c != '\0'; c++)
		if ((guchar) *c >= 0x20 || *c == '\n' || *c == '\t' || *c == '\r')
			*w++ = *c;
	*w = '\0';
	g_strchomp (v);
	if (v[0] == '\0')
		return;
	cs_pst_json_set_member_name (b, name);
	cs_pst_json_add_string_value (b, v);
}

static void
add_int (CsPstJson *b, const gchar *name, gint64 value)
{
	cs_pst_json_set_member_name (b, name);
	cs_pst_json_add_int_value (b, value);
}

static void
add_bool (CsPstJson *b, const gchar *name, gboolean value)
{
	cs_pst_json_set_member_name (b, name);
	cs_pst_json_add_boolean_value (b, value);
}

static const gchar *
importance_name (gint64 v)
{
	return v == 0 ? "low" : v == 2 ? "high" : "normal";
}

static const gchar *
sensitivity_name (gint64 v)
{
	static const gchar *names[] = {"normal", "personal", "private", "confidential"};
	return v >= 0 && v < 4 ? names[v] : "normal";
}

static void
add_common_pff (CsPstJson *b, CsPffItem *pi, gboolean sensitivity)
{
	gint64 v;
	if (cs_pff_get_int (pi, 0, 0x0017, &v))
		add_str (b, "importance", g_strdup (importance_name (v)));
	if (sensitivity && cs_pff_get_int (pi, 0, 0x0036, &v))
		add_str (b, "sensitivity", g_strdup (sensitivity_name (v)));
}

/* a multi-valued variable-size value as stored (MS-PST 2.3.3.4.2): count,
 * offsets from its start, then the values back to back. libpff's
 * multi-value reader returns no values for some writers' files (binary
 * lists) and none at all for string lists: we split them ourselves */
static GPtrArray *
split_multi (GBytes *raw, guint32 max)
{
	GPtrArray *out;
	const guint8 *d;
	gsize size;
	guint32 n;

	if (raw == NULL)
		return NULL;
	d = g_bytes_get_data (raw, &size);
	if (size < 4)
		return NULL;
	n = d[0] | (guint32) d[1] << 8 | (guint32) d[2] << 16 | (guint32) d[3] << 24;
	if (n == 0 || n > max || 4 + 4 * (gsize) n > size)
		return NULL;
	out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
	for (guint32 i = 0; i < n; i++) {
		const guint8 *o = d + 4 + 4 * i;
		gsize start = o[0] | (gsize) o[1] << 8 | (gsize) o[2] << 16 | (gsize) o[3] << 24;
		gsize end = size;
		if (i + 1 < n)
			end = o[4] | (gsize) o[5] << 8 | (gsize) o[6] << 16 | (gsize) o[7] << 24;
		if (start > end || end > size)
			g_ptr_array_add (out, g_bytes_new (NULL, 0));
		else
			g_ptr_array_add (out, g_bytes_new (d + start, end - start));
	}
	return out;
}

/* a multi-valued string (PT_MV_UNICODE, or PT_MV_STRING8 in ANSI files) as
 * a JSON list under @member; nothing when it holds no text */
static void
add_string_list (CsPstJson *b, const gchar *member, GBytes *raw, guint32 type)
{
	g_autoptr(GPtrArray) values = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

	if (raw == NULL || (type != 0x101f && type != 0x101e))
		return;
	values = split_multi (raw, 256);
	for (guint i = 0; values != NULL && i < values->len; i++) {
		gsize len;
		const gchar *v = g_bytes_get_data (g_ptr_array_index (values, i), &len);
		gchar *text;
		if (len == 0)
			continue;
		text = type == 0x101f ? g_convert (v, (gssize) (len & ~(gsize) 1), "UTF-8",
						   "UTF-16LE", NULL, NULL, NULL)
				      : g_convert (v, (gssize) len, "UTF-8", "WINDOWS-1252", NULL,
						   NULL, NULL);
		/* a stored terminator is not part of the name */
		if (text != NULL && g_strstrip (text)[0] != '\0' &&
		    g_utf8_validate (text, -1, NULL))
			g_ptr_array_add (names, text);
		else
			g_free (text);
	}
	if (names->len == 0)
		return;
	cs_pst_json_set_member_name (b, member);
	cs_pst_json_begin_array (b);
	for (guint i = 0; i < names->len; i++)
		cs_pst_json_add_string_value (b, g_ptr_array_index (names, i));
	cs_pst_json_end_array (b);
}

/* PS_PUBLIC_STRINGS "Keywords" (Outlook's categories), PT_MV_UNICODE or, in
 * ANSI files, PT_MV_STRING8: libpff only finds string-named properties by
 * name, whatever their set; Outlook's categories are the only such name */
static void
add_categories (CsPstJson *b, CsPffItem *pi)
{
	guint32 type = 0;
	g_autoptr(GBytes) raw = cs_pff_get_named_bytes (pi, "Keywords", &type);

	add_string_list (b, "categories", raw, type);
}

/* the plain-text body; many items carry only HTML or only compressed RTF
 * (PR_RTF_COMPRESSED), whose text is what the CRM should get */
static gchar *
item_body (pst_item *item, CsPffItem *pi)
{
	gchar *body = pst_text (item, &item->body);
	g_autoptr(GBytes) rtf = NULL;
	const gchar *comp = NULL;
	gsize comp_len = 0;
	size_t len = 0;
	gchar *raw;

	if (body != NULL)
		return body;
	if (item->email != NULL) {
		g_autofree gchar *html = pst_text (item, &item->email->htmlbody);
		if (html != NULL)
			return cs_pst_html_to_text (html);
	}
	rtf = cs_pff_get_binary (pi, 0, 0x1009);
	if (rtf != NULL) {
		comp = g_bytes_get_data (rtf, &comp_len);
	} else if (item->email != NULL && item->email->rtf_compressed.data != NULL) {
		comp = item->email->rtf_compressed.data;
		comp_len = item->email->rtf_compressed.size;
	}
	/* the header: compressed size, raw size, "LZFu" or "MELA", crc */
	if (comp == NULL || comp_len < 16 || comp_len > G_MAXUINT32)
		return NULL;
	raw = pst_lzfu_decompress ((gchar *) comp, (uint32_t) comp_len, &len);
	if (raw == NULL)
		return NULL;
	body = cs_pst_rtf_to_text (raw, len);
	free (raw);
	if (body != NULL && body[0] == '\0')
		g_clear_pointer (&body, g_free);
	return body;
}

/* ---- kinds ------------------------------------------------------------ */

static Kind
kind_for_class (const gchar *klass)
{
	if (klass == NULL)
		return KIND_NONE;
#define IS(prefix) (g_ascii_strncasecmp (klass, prefix, strlen (prefix)) == 0 && \
		    (klass[strlen (prefix)] == '\0' || klass[strlen (prefix)] == '.'))
	if (IS ("IPM.Contact"))
		return KIND_CONTACT;
	if (IS ("IPM.Task"))
		return KIND_TASK;
	if (IS ("IPM.Appointment"))
		return KIND_EVENT;
	if (IS ("IPM.Note") || IS ("IPM.Schedule.Meeting") ||
	    g_ascii_strcasecmp (klass, "IPM") == 0)
		return KIND_EMAIL;
#undef IS
	return KIND_NONE;
}

static Kind
kind_for_container (const gchar *klass)
{
	if (klass == NULL)
		return KIND_NONE;
	if (g_str_has_prefix (klass, "IPF.Contact"))
		return KIND_CONTACT;
	if (g_str_has_prefix (klass, "IPF.Task"))
		return KIND_TASK;
	if (g_str_has_prefix (klass, "IPF.Appointment"))
		return KIND_EVENT;
	return KIND_EMAIL;
}

/* ---- contacts --------------------------------------------------------- */

/* an Exchange contact's address is a DN (/o=…/cn=…); Outlook keeps the SMTP
 * address it showed in the original display name: "Name (name@host)" */
static gchar *
contact_email (pst_item *item, pst_string *address, CsPffItem *pi, guint32 display_lid)
{
	g_autofree gchar *addr = pst_text (item, address);
	g_autofree gchar *shown = NULL;
	const gchar *open, *close;

	if (addr == NULL || strchr (addr, '@') != NULL)
		return g_steal_pointer (&addr);
	shown = cs_pff_get_string (pi, CS_PSETID_ADDRESS, display_lid);
	open = shown != NULL ? strrchr (shown, '(') : NULL;
	close = open != NULL ? strchr (open, ')') : NULL;
	if (close != NULL && memchr (open, '@', (gsize) (close - open)) != NULL)
		return g_strndup (open + 1, (gsize) (close - open - 1));
	return g_steal_pointer (&addr);
}

static void
fill_contact (Reader *r, CsPstJson *b, pst_item *item, CsPffItem *pi)
{
	pst_item_contact *c = item->contact;
	gint64 v;

	if (c == NULL)
		return;
#define S(field, member) add_str (b, field, pst_text (item, &c->member))
	S ("givenName", first_name);
	S ("middleName", middle_name);
	S ("surname", surname);
	S ("generation", suffix);
	S ("title", display_name_prefix);
	S ("nickName", nickname);
	S ("companyName", company_name);
	S ("department", department);
	S ("jobTitle", job_title);
	S ("profession", profession);
	S ("officeLocation", office_loc);
	S ("manager", manager_name);
	S ("assistantName", assistant_name);
	S ("spouseName", spouse_name);
	S ("businessPhone", business_phone);
	S ("businessPhone2", business_phone2);
	S ("homePhone", home_phone);
	S ("homePhone2", home_phone2);
	S ("mobilePhone", mobile_phone);
	S ("primaryPhone", primary_phone);
	S ("businessFax", business_fax);
	S ("homeFax", home_fax);
	S ("businessHomePage", business_homepage);
	S ("homeStreet", home_street);
	S ("homeCity", home_city);
	S ("homeState", home_state);
	S ("homePostalCode", home_postal_code);
	S ("homeCountry", home_country);
	S ("otherStreet", other_street);
	S ("otherCity", other_city);
	S ("otherState", other_state);
	S ("otherPostalCode", other_postal_code);
	S ("otherCountry", other_country);
#undef S
	/* Outlook writes the business address to both the tagged and the named
	 * properties; older files and other writers fill only one of them */
#define ADDR(field, tagged, named)                                          \
	{                                                                   \
		gchar *t = pst_text (item, &c->tagged);                     \
		add_str (b, field, t != NULL ? t : pst_text (item, &c->named)); \
	}
	ADDR ("businessStreet", business_street, work_address_street);
	ADDR ("businessCity", business_city, work_address_city);
	ADDR ("businessState", business_state, work_address_state);
	ADDR ("businessPostalCode", business_postal_code, work_address_postalcode);
	ADDR ("businessCountry", business_country, work_address_country);
#undef ADDR
	/* libpst puts PR_DISPLAY_NAME in file_as and PidLidFileUnder in fullname,
	 * and lets an attachment's PR_DISPLAY_NAME overwrite it (every contact
	 * photo is "ContactPicture.jpg"): the message's own record set first */
	{
		gchar *shown = cs_pff_get_string (pi, 0, 0x3001);
		add_str (b, "displayName",
			 shown != NULL || pi != NULL ? shown : pst_text (item, &item->file_as));
	}
	add_str (b, "fileAs", pst_text (item, &c->fullname));
	add_str (b, "email1", contact_email (item, &c->address1, pi, 0x8084));
	add_str (b, "email2", contact_email (item, &c->address2, pi, 0x8094));
	add_str (b, "email3", contact_email (item, &c->address3, pi, 0x80A4));
	add_str (b, "imAddress", cs_pff_get_string (pi, CS_PSETID_ADDRESS, 0x8062));
	if (c->birthday != NULL)
		add_str (b, "birthday", ft_to_date (ft_value (c->birthday)));
	/* libpst reads PR_GENDER, but a missing one and "unspecified" are both 0 */
	v = c->gender;
	if (v >= 0 && v <= 2 && (pi == NULL || cs_pff_has (pi, 0, 0x3A4D)))
		add_str (b, "gender",
			 g_strdup (v == 1 ? "female" : v == 2 ? "male" : "unspecified"));
	add_str (b, "notes", item_body (item, pi));
	add_categories (b, pi);
	(void) r;
}

/* ---- events ----------------------------------------------------------- */

static const gchar *weekday_names[] = {"sunday",   "monday", "tuesday", "wednesday",
				       "thursday", "friday", "saturday"};
static const gchar *index_names[] = {"first", "second", "third", "fourth", "last"};

static void
add_days_of_week (CsPstJson *b, guint32 mask)
{
	cs_pst_json_set_member_name (b, "daysOfWeek");
	cs_pst_json_begin_array (b);
	for (guint i = 0; i < 7; i++)
		if (mask & (1u << i))
			cs_pst_json_add_string_value (b, weekday_names[i]);
	cs_pst_json_end_array (b);
}

/* libpst decodes the pattern of PidLidAppointmentRecur; the range end comes
 * from PidLidClipEnd (recurrence_end), the start from the first occurrence */
static void
add_recurrence (CsPstJson *b, pst_item *item)
{
	pst_item_appointment *a = item->appointment;
	pst_recurrence *rec;
	g_autofree gchar *start_date = NULL;
	g_autofree gchar *end_date = NULL;
	const gchar *type = NULL;

	if (a->recurrence_data.data == NULL || a->recurrence_data.size < 32)
		return;
	rec = pst_convert_recurrence (a);
	if (rec == NULL)
		return;
	start_date = ft_to_date (a->recurrence_start != NULL ? ft_value (a->recurrence_start)
							     : ft_value (a->start));
	end_date = ft_to_date (ft_value (a->recurrence_end));

	switch (rec->type) {
	case 0:
		type = "daily";
		break;
	case 1:
		type = "weekly";
		break;
	case 2:
		type = rec->position != 0 ? "relativeMonthly" : "absoluteMonthly";
		break;
	case 3:
		type = rec->position != 0 ? "relativeYearly" : "absoluteYearly";
		break;
	default:
		pst_free_recurrence (rec);
		return;
	}
	cs_pst_json_set_member_name (b, "recurrence");
	cs_pst_json_begin_object (b);
	cs_pst_json_set_member_name (b, "pattern");
	cs_pst_json_begin_object (b);
	add_str (b, "type", g_strdup (type));
	add_int (b, "interval", MAX (rec->interval, 1));
	if (rec->bydaymask != 0)
		add_days_of_week (b, rec->bydaymask);
	if (rec->dayofmonth != 0)
		add_int (b, "dayOfMonth", rec->dayofmonth);
	if (rec->monthofyear != 0)
		add_int (b, "month", rec->monthofyear);
	if (rec->position >= 1 && rec->position <= 5)
		add_str (b, "index", g_strdup (index_names[rec->position - 1]));
	cs_pst_json_end_object (b);
	cs_pst_json_set_member_name (b, "range");
	cs_pst_json_begin_object (b);
	if (rec->termination == 0x2021 || rec->termination == 0) {
		add_str (b, "type", g_strdup ("endDate"));
		add_str (b, "startDate", g_steal_pointer (&start_date));
		add_str (b, "endDate", g_steal_pointer (&end_date));
	} else if (rec->termination == 0x2022 || rec->termination == 1) {
		add_str (b, "type", g_strdup ("numbered"));
		add_str (b, "startDate", g_steal_pointer (&start_date));
		add_int (b, "numberOfOccurrences", rec->count);
	} else {
		add_str (b, "type", g_strdup ("noEnd"));
		add_str (b, "startDate", g_steal_pointer (&start_date));
	}
	cs_pst_json_end_object (b);
	cs_pst_json_end_object (b);
	pst_free_recurrence (rec);
}

/* our own reading of PidLidAppointmentRecur: libpst decodes the pattern
 * only, the exceptions (cancelled and changed occurrences) need the rest */
static gboolean
add_recurrence_blob (CsPstJson *b, pst_item *item, CsPffItem *pi)
{
	g_autoptr(GBytes) blob = cs_pff_get_binary (pi, CS_PSETID_APPOINTMENT, 0x8216);
	g_autoptr(GBytes) tzb = cs_pff_get_binary (pi, CS_PSETID_APPOINTMENT, 0x8233);
	g_autoptr(CsPstJson) rb = NULL;
	CsPstTz tz;
	gboolean have_tz;
	guint64 start = ft_value (item->appointment->start);

	if (blob == NULL || !filetime_valid (start))
		return FALSE;
	have_tz = tzb != NULL &&
		  cs_pst_tz_parse (g_bytes_get_data (tzb, NULL), g_bytes_get_size (tzb), &tz);
	rb = cs_pst_json_new ();
	cs_pst_json_begin_object (rb);
	if (!cs_pst_recur_to_json (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob),
				   have_tz ? &tz : NULL, ft_to_usec (start) / G_USEC_PER_SEC, rb))
		return FALSE;
	cs_pst_json_end_object (rb);
	cs_pst_json_set_member_name (b, "recurrence");
	cs_pst_json_add_json (b, rb);
	return TRUE;
}

/* the Windows zone key ("Pacific Standard Time") from a TZDEFINITION
 * (PidLidAppointmentTimeZoneDefinitionStartDisplay, MS-OXOCAL 2.2.1.41);
 * the provider turns it into an IANA name */
static gchar *
event_zone_key (CsPffItem *pi)
{
	g_autoptr(GBytes) def = cs_pff_get_binary (pi, CS_PSETID_APPOINTMENT, 0x825E);
	const guint8 *d;
	gsize size, chars;

	if (def == NULL)
		def = cs_pff_get_binary (pi, CS_PSETID_APPOINTMENT, 0x825F);
	if (def == NULL)
		return NULL;
	d = g_bytes_get_data (def, &size);
	if (size < 8 || d[0] != 0x02)
		return NULL;
	chars = d[6] | (gsize) d[7] << 8;
	if (chars == 0 || 8 + chars * 2 > size)
		return NULL;
	return g_convert ((const gchar *) d + 8, (gssize) chars * 2, "UTF-8", "UTF-16LE", NULL,
			  NULL, NULL);
}

static gboolean looks_like_smtp (const gchar *s);

/* an appointment's recipients are its attendees (required, optional and
 * resources), by address; the organizer's own row is not one of them */
static void
add_attendees (CsPstJson *b, CsPffItem *pi)
{
	g_autoptr(CsPffTable) rcpt = pi != NULL ? cs_pff_get_recipients (pi) : NULL;
	g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
	gint n;

	if (rcpt == NULL)
		return;
	n = cs_pff_table_get_n_rows (rcpt);
	for (gint i = 0; i < n; i++) {
		gint64 flags = 0;
		g_autofree gchar *smtp = cs_pff_table_get_string (rcpt, i, 0x39FE);
		g_autofree gchar *addr = cs_pff_table_get_string (rcpt, i, 0x3003);
		const gchar *best = smtp != NULL ? smtp : looks_like_smtp (addr) ? addr : NULL;
		/* PidTagRecipientFlags recipOrganizer */
		if (cs_pff_table_get_int (rcpt, i, 0x5FFD, &flags) && (flags & 0x0002) != 0)
			continue;
		if (best != NULL)
			g_ptr_array_add (list, g_ascii_strdown (best, -1));
	}
	if (list->len == 0)
		return;
	cs_pst_json_set_member_name (b, "attendees");
	cs_pst_json_begin_array (b);
	for (guint i = 0; i < list->len; i++)
		cs_pst_json_add_string_value (b, g_ptr_array_index (list, i));
	cs_pst_json_end_array (b);
}

static void
fill_event (Reader *r, CsPstJson *b, pst_item *item, CsPffItem *pi)
{
	pst_item_appointment *a = item->appointment;
	gboolean all_day = FALSE;

	add_str (b, "subject", pst_text (item, &item->subject));
	add_str (b, "body", item_body (item, pi));
	add_common_pff (b, pi, TRUE);
	add_str (b, "organizer", cs_pff_get_string (pi, 0, 0x0042));
	add_categories (b, pi);
	add_attendees (b, pi);
	if (a == NULL)
		return;
	all_day = a->all_day != 0;
	add_bool (b, "isAllDay", all_day);
	if (all_day) {
		add_str (b, "start", ft_to_date (ft_value (a->start)));
		add_str (b, "end", ft_to_date (ft_value (a->end)));
	} else {
		add_str (b, "start", ft_to_datetime (ft_value (a->start)));
		add_str (b, "end", ft_to_datetime (ft_value (a->end)));
	}
	add_str (b, "location", pst_text (item, &a->location));
	add_bool (b, "isReminderOn", a->alarm != 0);
	if (a->alarm)
		add_int (b, "reminderMinutesBeforeStart", a->alarm_minutes);
	if (a->showas >= 0 && a->showas <= 4) {
		static const gchar *show[] = {"free", "tentative", "busy", "oof",
					      "workingElsewhere"};
		add_str (b, "showAs", g_strdup (show[a->showas]));
	}
	if (a->is_recurring || a->recurrence_data.data != NULL) {
		if (!add_recurrence_blob (b, item, pi))
			add_recurrence (b, item);
	}
	(void) r;
}

/* ---- tasks: libpst drops every task property, libpff reads them -------- */

static void
fill_task (Reader *r, CsPstJson *b, pst_item *item, CsPffItem *pi)
{
	static const gchar *status_names[] = {"notStarted", "inProgress", "completed",
					      "waitingOnOthers", "deferred"};
	gint64 v;
	gdouble d;
	gboolean on;
	guint64 ft;

	add_str (b, "subject", pst_text (item, &item->subject));
	add_str (b, "body", item_body (item, pi));
	add_common_pff (b, pi, FALSE);
	add_categories (b, pi);
	if (cs_pff_get_int (pi, CS_PSETID_TASK, 0x8101, &v) && v >= 0 && v <= 4)
		add_str (b, "status", g_strdup (status_names[v]));
	if (cs_pff_get_double (pi, CS_PSETID_TASK, 0x8102, &d) && d >= 0 && d <= 1)
		add_int (b, "percentComplete", (gint64) (d * 100 + 0.5));
	if (cs_pff_get_filetime (pi, CS_PSETID_TASK, 0x8104, &ft))
		add_str (b, "startDate", ft_to_date (ft));
	if (cs_pff_get_filetime (pi, CS_PSETID_TASK, 0x8105, &ft))
		add_str (b, "dueDate", ft_to_date (ft));
	if (cs_pff_get_filetime (pi, CS_PSETID_TASK, 0x810F, &ft))
		add_str (b, "completedDate", ft_to_date (ft));
	if (cs_pff_get_bool (pi, CS_PSETID_COMMON, 0x8503, &on)) {
		add_bool (b, "isReminderOn", on);
		if (on && cs_pff_get_filetime (pi, CS_PSETID_COMMON, 0x8502, &ft))
			add_str (b, "reminderDateTime", ft_to_datetime (ft));
	}
	add_str (b, "owner", cs_pff_get_string (pi, CS_PSETID_TASK, 0x811F));
	/* PidLidCompanies and PidLidContacts: what ties the task to a CRM record */
	{
		guint32 type = 0;
		g_autoptr (GBytes) companies
			= cs_pff_get_bytes (pi, CS_PSETID_COMMON, 0x8539, &type);
		add_string_list (b, "companies", companies, type);
	}
	{
		guint32 type = 0;
		g_autoptr (GBytes) contacts
			= cs_pff_get_bytes (pi, CS_PSETID_COMMON, 0x853A, &type);
		add_string_list (b, "contacts", contacts, type);
	}
	(void) r;
}

/* ---- e-mails ---------------------------------------------------------- */

static gboolean
looks_like_smtp (const gchar *s)
{
	return s != NULL && strchr (s, '@') != NULL && strchr (s, ' ') == NULL;
}

/* the recipients table (To/Cc/Bcc with addresses) is not in libpst's API */
static gboolean
add_recipients (CsPstJson *b, CsPffItem *pi)
{
	g_autoptr(GPtrArray) to = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(GPtrArray) cc = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(GPtrArray) to_names = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(GPtrArray) cc_names = g_ptr_array_new_with_free_func (g_free);
	g_autoptr(CsPffTable) rcpt = cs_pff_get_recipients (pi);
	gint n;
	struct {
		const gchar *name;
		GPtrArray *list;
	} out[] = {{"toAddresses", to}, {"ccAddresses", cc}, {"toNames", to_names},
		   {"ccNames", cc_names}};

	if (rcpt == NULL)
		return FALSE;
	n = cs_pff_table_get_n_rows (rcpt);
	for (gint i = 0; i < n; i++) {
		gint64 type = 1;
		g_autofree gchar *name = cs_pff_table_get_string (rcpt, i, 0x3001);
		g_autofree gchar *smtp = cs_pff_table_get_string (rcpt, i, 0x39FE);
		g_autofree gchar *addr = cs_pff_table_get_string (rcpt, i, 0x3003);
		const gchar *best = smtp != NULL ? smtp : looks_like_smtp (addr) ? addr : NULL;

		cs_pff_table_get_int (rcpt, i, 0x0C15, &type);
		type &= 0x0f; /* MAPI_P1 and friends sit in the high bits */
		if (type != 1 && type != 2)
			continue; /* Bcc and originator rows */
		if (best != NULL)
			g_ptr_array_add (type == 1 ? to : cc, g_ascii_strdown (best, -1));
		if (name != NULL || best != NULL)
			g_ptr_array_add (type == 1 ? to_names : cc_names,
					 g_strdup (name != NULL ? name : best));
	}
	for (guint k = 0; k < G_N_ELEMENTS (out); k++) {
		if (out[k].list->len == 0)
			continue;
		cs_pst_json_set_member_name (b, out[k].name);
		cs_pst_json_begin_array (b);
		for (guint i = 0; i < out[k].list->len; i++)
			cs_pst_json_add_string_value (b, g_ptr_array_index (out[k].list, i));
		cs_pst_json_end_array (b);
	}
	return TRUE;
}

/* without libpff: the display strings are all libpst keeps */
static void
add_display_names (CsPstJson *b, const gchar *member, gchar *text /* (transfer full) */)
{
	g_autofree gchar *t = text;
	g_auto(GStrv) parts = NULL;
	if (t == NULL)
		return;
	parts = g_strsplit (t, ";", -1);
	cs_pst_json_set_member_name (b, member);
	cs_pst_json_begin_array (b);
	for (guint i = 0; parts[i] != NULL; i++) {
		g_strstrip (parts[i]);
		if (parts[i][0] != '\0')
			cs_pst_json_add_string_value (b, parts[i]);
	}
	cs_pst_json_end_array (b);
}

/* libpff reads the attachment table; libpst's list also holds other
 * sub-nodes (one per recipient in some files), so it is only the fallback */
static guint
add_pff_attachments (Reader *r, CsPstJson *b, CsPffItem *pi)
{
	int n = 0;

	/* asking libpff makes it read the message's whole table again */
	if (cs_pff_has_no_attachments (pi))
		return 0;
	if (libpff_message_get_number_of_attachments (cs_pff_item_get_libpff (pi), &n, NULL) != 1 || n <= 0)
		return 0;
	cs_pst_json_set_member_name (b, "attachments");
	cs_pst_json_begin_array (b);
	for (int i = 0; i < n && i < 10000; i++) {
		libpff_item_t *at = NULL;
		gchar *name;
		gint64 method = 1;
		size64_t size = 0;
		gboolean has_size;

		if (libpff_message_get_attachment (cs_pff_item_get_libpff (pi), i, &at, NULL) != 1)
			continue;
		name = cs_pff_set_get_string (at, 0, 0x3707);
		if (name == NULL)
			name = cs_pff_set_get_string (at, 0, 0x3704);
		if (name == NULL)
			name = cs_pff_set_get_string (at, 0, 0x3001);
		cs_pff_set_get_int (at, 0, 0x3705, &method);
		if (name == NULL)
			name = g_strdup (method == 5 ? "message.msg" : "attachment");
		has_size = libpff_attachment_get_data_size (at, &size, NULL) == 1;
		cs_pst_json_begin_object (b);
		add_str (b, "name", name);
		if (has_size)
			add_int (b, "size", (gint64) size);
		else if (cs_pff_set_get_int (at, 0, 0x0E20, &method))
			add_int (b, "size", method);
		add_str (b, "contentType", cs_pff_set_get_string (at, 0, 0x370E));
		if (r->attachments && has_size && size > 0 && size < G_MAXINT32) {
			g_autofree guint8 *data = g_malloc (size);
			if (libpff_attachment_data_seek_offset (at, 0, SEEK_SET, NULL) == 0 &&
			    libpff_attachment_data_read_buffer (at, data, size, NULL) ==
				(ssize_t) size)
				add_str (b, "contentBase64", g_base64_encode (data, size));
		}
		cs_pst_json_end_object (b);
		cs_pff_sub_item_free (at);
	}
	cs_pst_json_end_array (b);
	return (guint) n;
}

static void
add_attachments (Reader *r, CsPstJson *b, pst_item *item, CsPffItem *pi)
{
	guint n = 0;

	if (pi != NULL) {
		add_bool (b, "hasAttachments", add_pff_attachments (r, b, pi) > 0);
		return;
	}
	for (pst_item_attach *at = item->attach; at != NULL; at = at->next)
		if (at->filename1.str != NULL || at->filename2.str != NULL || at->method == 5)
			n++;
	add_bool (b, "hasAttachments", n > 0);
	if (n == 0)
		return;
	cs_pst_json_set_member_name (b, "attachments");
	cs_pst_json_begin_array (b);
	for (pst_item_attach *at = item->attach; at != NULL; at = at->next) {
		g_autofree gchar *name = pst_text (item, &at->filename2);
		g_autofree gchar *type = pst_text (item, &at->mimetype);
		gint64 size = -1;

		if (name == NULL)
			name = pst_text (item, &at->filename1);
		if (name == NULL && at->method != 5)
			continue;
		if (name == NULL)
			name = g_strdup ("message.msg");
		if (at->data.data != NULL) {
			size = (gint64) at->data.size;
		} else if (at->i_id != 0 && at->i_id != (uint64_t) -1) {
			pst_index_ll *ptr = pst_getID (&r->pf, at->i_id);
			if (ptr != NULL)
				size = (gint64) (ptr->inflated_size != 0 ? ptr->inflated_size
									 : ptr->size);
		}
		cs_pst_json_begin_object (b);
		add_str (b, "name", g_steal_pointer (&name));
		if (size >= 0)
			add_int (b, "size", size);
		add_str (b, "contentType", g_steal_pointer (&type));
		if (r->attachments && at->method != 5) {
			pst_binary data = pst_attach_to_mem (&r->pf, at);
			if (data.data != NULL) {
				add_str (b, "contentBase64",
					 g_base64_encode ((const guchar *) data.data, data.size));
				free (data.data);
			}
		}
		cs_pst_json_end_object (b);
	}
	cs_pst_json_end_array (b);
}

static void
fill_email (Reader *r, CsPstJson *b, pst_item *item, CsPffItem *pi, const Folder *folder)
{
	pst_item_email *e = item->email;
	g_autofree gchar *from = cs_pff_get_string (pi, 0, 0x5D01);
	g_autofree gchar *from_name = cs_pff_get_string (pi, 0, 0x0C1A);
	g_autofree gchar *body = NULL;

	add_str (b, "subject", pst_text (item, &item->subject));
	body = item_body (item, pi);
	add_str (b, "body", g_steal_pointer (&body));
	add_str (b, "direction", g_strdup (folder->sent ? "outbound" : "inbound"));
	add_common_pff (b, pi, FALSE);
	add_categories (b, pi);
	if (e != NULL) {
		add_str (b, "messageId", pst_text (item, &e->messageid));
		if (from == NULL) {
			g_autofree gchar *a = pst_text (item, &e->sender_address);
			g_autofree gchar *o = pst_text (item, &e->outlook_sender);
			if (looks_like_smtp (a))
				from = g_steal_pointer (&a);
			else if (looks_like_smtp (o))
				from = g_steal_pointer (&o);
		}
		if (from_name == NULL)
			from_name = pst_text (item, &e->outlook_sender_name);
		if (e->sent_date != NULL)
			add_str (b, "sentDateTime", ft_to_datetime (ft_value (e->sent_date)));
		if (e->arrival_date != NULL)
			add_str (b, "receivedDateTime",
				 ft_to_datetime (ft_value (e->arrival_date)));
	}
	if (from != NULL)
		add_str (b, "fromAddress", g_ascii_strdown (from, -1));
	add_str (b, "fromName", g_steal_pointer (&from_name));
	if (!add_recipients (b, pi) && e != NULL) {
		add_display_names (b, "toNames", pst_text (item, &e->sentto_address));
		add_display_names (b, "ccNames", pst_text (item, &e->cc_address));
	}
	add_attachments (r, b, item, pi);
}

/* ---- folders ---------------------------------------------------------- */

/* container classes of folders Outlook and Exchange make for themselves; the
 * user's own folders are plain IPF.Contact / IPF.Appointment / IPF.Task /
 * IPF.Note (or have no class) */
static const gchar *system_classes[] = {
	"IPF.Configuration",
	"IPF.Contact.MOC.QuickContacts",
	"IPF.Contact.MOC.ImContactList",
	"IPF.Contact.RecipientCache",
	"IPF.Contact.GalContacts",
	"IPF.Contact.OrganizationalContacts",
	"IPF.Contact.PeopleCentricConversationBuddies",
	"IPF.Contact.Company",
	"IPF.Appointment.Birthday",
	"IPF.Note.Microsoft.Conversation",
	"IPF.Note.SocialConnector.FeedItems",
	"IPF.Files",
	"Outlook.Reminder",
	NULL,
};

/* PR_ADDITIONAL_REN_ENTRYIDS_EX persist ids that name system folders */
static gboolean
persist_id_is_system (guint16 id)
{
	switch (id) {
	case 0x8002: /* send and track */
	case 0x8004: /* to-do search */
	case 0x8006: /* conversation actions */
	case 0x8007: /* combined actions */
	case 0x8008: /* suggested contacts */
	case 0x8009: /* contact search */
	case 0x800A: /* buddy list pdls */
	case 0x800B: /* buddy list contacts */
		return TRUE;
	default:
		return FALSE;
	}
}

static guint64
entryid_to_nid (Reader *r, const guint8 *data, gsize size)
{
	/* PST entry ids: flags, provider uid, NID. The uid must be this store's
	 * (its PR_RECORD_KEY): folders copied from another store carry that
	 * store's ids, whose NIDs name unrelated folders here */
	if (size == 24) {
		if (r->has_store_uid && memcmp (data + 4, r->store_uid, 16) != 0)
			return 0;
		return data[20] | (guint32) data[21] << 8 | (guint32) data[22] << 16 |
		       (guint32) data[23] << 24;
	}
	/* Exchange (OST) folder entry ids: flags, provider uid, type, then the
	 * folder's database guid and global counter */
	if (size >= 44) {
		for (guint i = 0; i < r->folders->len; i++) {
			Folder *f = g_ptr_array_index (r->folders, i);
			if (f->has_key && memcmp (f->key, data + 22, 22) == 0)
				return f->nid;
			if (!f->has_key && f->has_globcnt && memcmp (f->globcnt, data + 38, 6) == 0)
				return f->nid;
		}
	}
	return 0;
}

static void
mark_special (Reader *r, guint64 nid, const gchar *why)
{
	if (nid != 0)
		g_hash_table_insert (r->special, GSIZE_TO_POINTER ((gsize) nid), (gpointer) why);
}

static void
mark_entry (Reader *r, GBytes *bytes, const gchar *why)
{
	gsize size;
	const guint8 *data;
	if (bytes == NULL)
		return;
	data = g_bytes_get_data (bytes, &size);
	mark_special (r, entryid_to_nid (r, data, size), why);
}

/* the special-folder entry ids a folder (or the store) carries: read while
 * the folder's properties are at hand, resolved once every folder's source
 * key is known (entry ids of Exchange stores name folders by it) */
typedef struct {
	GBytes *drafts, *ren, *ex, *del, *out, *sent, *search;
} SpecialEntries;

static void
special_entries_free (SpecialEntries *se)
{
	if (se == NULL)
		return;
	g_clear_pointer (&se->drafts, g_bytes_unref);
	g_clear_pointer (&se->ren, g_bytes_unref);
	g_clear_pointer (&se->ex, g_bytes_unref);
	g_clear_pointer (&se->del, g_bytes_unref);
	g_clear_pointer (&se->out, g_bytes_unref);
	g_clear_pointer (&se->sent, g_bytes_unref);
	g_clear_pointer (&se->search, g_bytes_unref);
	g_free (se);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SpecialEntries, special_entries_free)

static SpecialEntries *
read_special_entries (CsPffItem *pi)
{
	SpecialEntries *se = g_new0 (SpecialEntries, 1);

	se->drafts = cs_pff_get_binary (pi, 0, 0x36D7);
	se->ren = cs_pff_get_binary (pi, 0, 0x36D8);
	se->ex = cs_pff_get_binary (pi, 0, 0x36D9);
	se->del = cs_pff_get_binary (pi, 0, 0x35E3);
	se->out = cs_pff_get_binary (pi, 0, 0x35E2);
	se->sent = cs_pff_get_binary (pi, 0, 0x35E4);
	se->search = cs_pff_get_binary (pi, 0, 0x35E7);
	if (se->drafts == NULL && se->ren == NULL && se->ex == NULL && se->del == NULL &&
	    se->out == NULL && se->sent == NULL && se->search == NULL)
		g_clear_pointer (&se, g_free);
	return se;
}

/* the special-folder entry ids sit on the root folder and the Inbox; reading
 * them on every folder finds them wherever the writer put them */
static void
collect_special_entries (Reader *r, const SpecialEntries *se)
{
	g_autoptr(GPtrArray) ren = NULL;
	static const gchar *ren_names[] = {"conflicts", "sync issues", "local failures",
					   "server failures", "junk e-mail"};

	if (se == NULL)
		return;
	ren = split_multi (se->ren, 64);
	/* the store's entries, where an exported mailbox keeps them on the
	 * IPM subtree or the root folder instead */
	mark_entry (r, se->del, "deleted items");
	mark_entry (r, se->out, "outbox");
	mark_entry (r, se->search, "search folders");
	if (se->sent != NULL && r->sent_nid == 0)
		r->sent_nid = entryid_to_nid (r, g_bytes_get_data (se->sent, NULL),
					      g_bytes_get_size (se->sent));
	mark_entry (r, se->drafts, "drafts");
	for (guint i = 0; ren != NULL && i < ren->len && i < G_N_ELEMENTS (ren_names); i++)
		mark_entry (r, g_ptr_array_index (ren, i), ren_names[i]);
	if (se->ex != NULL) {
		gsize size, pos = 0;
		const guint8 *d = g_bytes_get_data (se->ex, &size);
		while (pos + 4 <= size) {
			guint16 pid = d[pos] | d[pos + 1] << 8;
			guint16 len = d[pos + 2] | d[pos + 3] << 8;
			gsize epos = pos + 4;
			if (pid == 0 || pos + 4 + len > size)
				break;
			while (epos + 4 <= pos + 4 + len) {
				guint16 eid = d[epos] | d[epos + 1] << 8;
				guint16 elen = d[epos + 2] | d[epos + 3] << 8;
				if (eid == 0 || epos + 4 + elen > pos + 4 + len)
					break;
				if (eid == 0x0001 && persist_id_is_system (pid))
					mark_special (r, entryid_to_nid (r, d + epos + 4, elen),
						      "system folder");
				epos += 4 + elen;
			}
			pos += 4 + len;
		}
	}
}

/* the path of a folder collected already (paths are resolved after the
 * walk; a crash while reading a subfolder names this one) */
static gchar *
path_so_far (Reader *r, guint64 nid)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new ();

	for (guint depth = 0; depth < 256; depth++) {
		Folder *f = g_hash_table_lookup (r->by_nid, GSIZE_TO_POINTER ((gsize) nid));
		if (f == NULL || f->path != NULL) /* the top ("/") */
			break;
		g_ptr_array_insert (names, 0, f->name);
		nid = f->parent;
	}
	if (names->len == 0)
		return g_strdup ("/");
	g_ptr_array_add (names, NULL);
	return g_strjoinv ("/", (gchar **) names->pdata);
}

static void
collect_folders (Reader *r, pst_desc_tree *d, guint64 parent)
{
	for (; d != NULL; d = d->next) {
		Folder *f;
		pst_item *item;
		if (NID_TYPE (d->d_id) != NID_TYPE_FOLDER) {
			if (NID_TYPE (d->d_id) == NID_TYPE_SEARCH)
				continue;
			continue;
		}
		if (g_hash_table_contains (r->by_nid, GSIZE_TO_POINTER ((gsize) d->d_id)))
			continue; /* a loop in a damaged tree */
		alarm (WATCHDOG_SECONDS);
		f = g_new0 (Folder, 1);
		f->nid = d->d_id;
		f->parent = parent;
		f->desc = d;
		/* a folder whose blocks fail is not parsed: its name would be garbage;
		 * one that crashed the reader before is not parsed again: its items
		 * are then reported, and the rest of the file is read */
		item = NULL;
		if (r->skip != NULL && g_hash_table_contains (r->skip, &d->d_id)) {
			f->damaged = g_strdup (_("reading it stopped the reader"));
		} else if (cs_pst_check_node (r->check, d->d_id, &f->damaged)) {
			g_autofree gchar *where = path_so_far (r, parent);
			set_current_folder (where);
			current_nid = d->d_id;
			current_kind = "email";
			in_item = 1;
			item = pst_parse_item (&r->pf, d, NULL);
			in_item = 0;
		}
		if (item != NULL) {
			f->name = pst_text (item, &item->file_as);
			if (item->ascii_type != NULL &&
			    g_utf8_validate (item->ascii_type, -1, NULL))
				f->klass = g_strdup (item->ascii_type);
			pst_freeItem (item);
		}
		if (f->name == NULL)
			f->name = g_strdup_printf ("folder %" G_GUINT64_FORMAT, d->d_id);
		/* a path separator inside a name would make two folders look alike */
		g_strdelimit (f->name, "/", '_');
		g_ptr_array_add (r->folders, f);
		g_hash_table_insert (r->by_nid, GSIZE_TO_POINTER ((gsize) d->d_id), f);
		if (d->child != NULL && r->folders->len < 100000)
			collect_folders (r, d->child, d->d_id);
	}
}

/* PR_SOURCE_KEY when the writer kept it; OSTs often keep only the folder's
 * long-term id (0x67F4: replica id, then the 6-byte global counter), whose
 * replica id stands for a database guid we cannot resolve: the counter alone
 * then identifies the folder */
static void
folder_read_key (Folder *f, CsPffItem *pi)
{
	g_autoptr(GBytes) sk = cs_pff_get_binary (pi, 0, 0x65E0);
	g_autoptr(GBytes) ltid = cs_pff_get_binary (pi, 0, 0x67F4);

	if (sk != NULL && g_bytes_get_size (sk) == 22) {
		memcpy (f->key, g_bytes_get_data (sk, NULL), 22);
		f->has_key = TRUE;
	}
	if (ltid != NULL && g_bytes_get_size (ltid) == 8) {
		memcpy (f->globcnt, (const guint8 *) g_bytes_get_data (ltid, NULL) + 2, 6);
		f->has_globcnt = TRUE;
	}
}

static void
classify_folders (Reader *r, pst_item *store)
{
	pst_item_message_store *ms = store->message_store;

	if (r->pff == NULL) {
		/* libpst reads the store's entries as PST entry ids only */
		if (ms->deleted_items_folder != NULL)
			mark_special (r, ms->deleted_items_folder->id, "deleted items");
		if (ms->default_outbox_folder != NULL)
			mark_special (r, ms->default_outbox_folder->id, "outbox");
		if (ms->search_root_folder != NULL)
			mark_special (r, ms->search_root_folder->id, "search folders");
		if (ms->sent_items_folder != NULL)
			r->sent_nid = ms->sent_items_folder->id;
	} else {
		CsPffItem *root = cs_pff_get_item (r->pff, 0x122);
		CsPffItem *ps = cs_pff_get_message_store (r->pff);
		g_autoptr(SpecialEntries) root_entries = read_special_entries (root);
		/* each folder's properties are read once (libpff reads an item's
		 * whole property table at its first lookup) */
		g_autoptr(GPtrArray) entries =
		    g_ptr_array_new_full (r->folders->len, (GDestroyNotify) special_entries_free);
		for (guint i = 0; i < r->folders->len; i++) {
			Folder *f = g_ptr_array_index (r->folders, i);
			CsPffItem *pi = NULL;
			gboolean hidden = FALSE;
			gint64 type = 0;
			if (f->damaged != NULL)
				continue;
			pi = cs_pff_get_item (r->pff, (guint32) f->nid);
			if (pi == NULL)
				continue;
			folder_read_key (f, pi);
			if (cs_pff_get_bool (pi, 0, 0x10F4, &hidden) && hidden)
				mark_special (r, f->nid, "hidden folder");
			if (cs_pff_get_int (pi, 0, 0x3601, &type) && type == 2)
				mark_special (r, f->nid, "search folder");
			g_ptr_array_add (entries, read_special_entries (pi));
			cs_pff_item_free (pi);
		}
		if (ps != NULL) {
			g_autoptr(GBytes) uid = cs_pff_get_binary (ps, 0, 0x0FF9);
			if (uid != NULL && g_bytes_get_size (uid) == 16) {
				memcpy (r->store_uid, g_bytes_get_data (uid, NULL), 16);
				r->has_store_uid = TRUE;
			}
		}
		if (ps != NULL) {
			g_autoptr(GBytes) del = cs_pff_get_binary (ps, 0, 0x35E3);
			g_autoptr(GBytes) out = cs_pff_get_binary (ps, 0, 0x35E2);
			g_autoptr(GBytes) sent = cs_pff_get_binary (ps, 0, 0x35E4);
			g_autoptr(GBytes) search = cs_pff_get_binary (ps, 0, 0x35E7);
			mark_entry (r, del, "deleted items");
			mark_entry (r, out, "outbox");
			mark_entry (r, search, "search folders");
			if (sent != NULL)
				r->sent_nid = entryid_to_nid (r, g_bytes_get_data (sent, NULL),
							      g_bytes_get_size (sent));
			cs_pff_item_free (ps);
		}
		collect_special_entries (r, root_entries);
		for (guint i = 0; i < entries->len; i++)
			collect_special_entries (r, g_ptr_array_index (entries, i));
		cs_pff_item_free (root);
	}
	for (guint i = 0; i < r->folders->len; i++) {
		Folder *f = g_ptr_array_index (r->folders, i);
		if (f->klass != NULL && g_strv_contains (system_classes, f->klass))
			mark_special (r, f->nid, "system folder");
	}
}

/* folders come parent first, so one pass resolves paths and inheritance */
static void
resolve_paths (Reader *r)
{
	for (guint i = 0; i < r->folders->len; i++) {
		Folder *f = g_ptr_array_index (r->folders, i);
		Folder *p = g_hash_table_lookup (r->by_nid, GSIZE_TO_POINTER ((gsize) f->parent));

		if (f->path != NULL)
			; /* the top of the tree */
		else if (p != NULL && p->path != NULL && g_strcmp0 (p->path, "/") != 0)
			f->path = g_strconcat (p->path, "/", f->name, NULL);
		else
			f->path = g_strdup (f->name);
		f->excluded = g_hash_table_contains (r->special,
						     GSIZE_TO_POINTER ((gsize) f->nid)) ||
			      (p != NULL && p->excluded);
		f->sent = f->nid == r->sent_nid || (p != NULL && p->sent);
		/* below a damaged folder the path itself is unknown */
		if (f->damaged == NULL && p != NULL && p->damaged != NULL)
			f->damaged = g_strdup (p->damaged);
	}
}

static gboolean
folder_selected (Reader *r, const Folder *f)
{
	if (r->only == NULL)
		return TRUE;
	for (guint i = 0; r->only[i] != NULL; i++) {
		const gchar *want = r->only[i];
		gsize len = strlen (want);
		if (g_strcmp0 (f->path, want) == 0 ||
		    (g_str_has_prefix (f->path, want) && f->path[len] == '/'))
			return TRUE;
	}
	return FALSE;
}

/* ---- items ------------------------------------------------------------ */

static gboolean
wants (Reader *r, Kind kind)
{
	return kind != KIND_NONE && (r->wanted == 0 || (r->wanted & (1u << kind)) != 0);
}

/* a mail that is not the user's correspondence yet, wherever it is filed
 * (some stores name neither their Outbox nor their Drafts): MSGFLAG_UNSENT
 * with MSGFLAG_SUBMIT is a mail waiting in the Outbox; MSGFLAG_UNSENT with
 * neither a submit nor a delivery time a draft. Unsent alone is not enough:
 * importers leave it on received mail (pst2john's 97_outlook file), and
 * contacts, tasks and appointments carry it too, so it only decides mail */
static gboolean
mail_unsent (pst_item *item, CsPffItem *pi)
{
	gint64 flags = 0;
	guint64 ft;
	gboolean dated;

	if (!cs_pff_get_int (pi, 0, 0x0E07, &flags))
		flags = item->flags;
	if ((flags & 0x8) == 0)
		return FALSE;
	if ((flags & 0x4) != 0)
		return TRUE;
	dated = (cs_pff_get_filetime (pi, 0, 0x0039, &ft) && filetime_valid (ft)) ||
		(cs_pff_get_filetime (pi, 0, 0x0E06, &ft) && filetime_valid (ft)) ||
		(pi == NULL && item->email != NULL &&
		 (item->email->sent_date != NULL || item->email->arrival_date != NULL));
	return !dated;
}

static void
read_item_unguarded (Reader *r, Folder *folder, pst_desc_tree *d)
{
	g_autoptr(CsPstJson) b = NULL;
	g_autofree gchar *pff_class = NULL;
	g_autofree gchar *id = NULL;
	CsPffItem *pi = NULL;
	pst_item *item;
	Kind kind;
	alarm (WATCHDOG_SECONDS); /* progress, even when nothing is printed */
	pi = cs_pff_get_item (r->pff, (guint32) d->d_id);
	pff_class = cs_pff_get_string (pi, 0, 0x001A);
	/* the class alone tells an item nobody asked for: no full parse then */
	if (pff_class != NULL && !wants (r, kind_for_class (pff_class))) {
		cs_pff_item_free (pi);
		return;
	}
	item = pst_parse_item (&r->pf, d, NULL);
	if (item == NULL) {
		kind = pff_class != NULL ? kind_for_class (pff_class)
					 : kind_for_container (folder->klass);
		if (wants (r, kind))
			emit_skip (kind, d->d_id, _("the item's properties cannot be read"));
		cs_pff_item_free (pi);
		return;
	}
	kind = kind_for_class (item->ascii_type);
	if (!wants (r, kind) || (kind == KIND_EMAIL && mail_unsent (item, pi))) {
		pst_freeItem (item);
		cs_pff_item_free (pi);
		return;
	}
	id = g_strdup_printf ("%" G_GUINT64_FORMAT, d->d_id);
	b = cs_pst_json_new ();
	cs_pst_json_begin_object (b);
	add_str (b, "type", g_strdup ("item"));
	add_str (b, "kind", g_strdup (kind_names[kind]));
	add_str (b, "id", g_strdup (id));
	add_str (b, "folder", g_strdup (folder->path));
	add_str (b, "class", g_strdup (item->ascii_type));
	if (kind == KIND_EVENT)
		add_str (b, "timeZoneWindows", event_zone_key (pi));
	/* the message's own times: libpst takes an attachment's for the item's */
	{
		guint64 ft = 0;
		if ((cs_pff_get_filetime (pi, 0, 0x3008, &ft) && filetime_valid (ft)) ||
		    (cs_pff_get_filetime (pi, 0, 0x3007, &ft) && filetime_valid (ft)))
			add_int (b, "modified", ft_to_usec (ft));
		else if (pi == NULL && item->modify_date != NULL &&
			 filetime_valid (ft_value (item->modify_date)))
			add_int (b, "modified", ft_to_usec (ft_value (item->modify_date)));
		else if (pi == NULL && item->create_date != NULL &&
			 filetime_valid (ft_value (item->create_date)))
			add_int (b, "modified", ft_to_usec (ft_value (item->create_date)));
	}
	cs_pst_json_set_member_name (b, "fields");
	cs_pst_json_begin_object (b);
	switch (kind) {
	case KIND_CONTACT:
		fill_contact (r, b, item, pi);
		break;
	case KIND_TASK:
		fill_task (r, b, item, pi);
		break;
	case KIND_EVENT:
		fill_event (r, b, item, pi);
		break;
	case KIND_EMAIL:
		fill_email (r, b, item, pi, folder);
		break;
	case KIND_NONE:
	default:
		break;
	}
	cs_pst_json_end_object (b);
	cs_pst_json_end_object (b);
	emit (b);
	r->n_items++;
	pst_freeItem (item);
	cs_pff_item_free (pi);
}

static Kind
guess_kind (Reader *r, Folder *folder, pst_desc_tree *d)
{
	CsPffItem *pi = cs_pff_get_item (r->pff, (guint32) d->d_id);
	g_autofree gchar *klass = cs_pff_get_string (pi, 0, 0x001A);
	cs_pff_item_free (pi);
	return klass != NULL ? kind_for_class (klass) : kind_for_container (folder->klass);
}

/* a record is never built from blocks that fail the format's checks: the
 * item is reported as skipped, naming the file, the folder and the item */
static void
skip_damaged (Reader *r, Folder *folder, pst_desc_tree *d, const gchar *why)
{
	g_autofree gchar *base = g_path_get_basename (r->path);
	g_autofree gchar *reason = NULL;
	Kind kind = kind_for_container (folder->damaged == NULL ? folder->klass : NULL);

	if (!wants (r, kind))
		return;
	g_autofree gchar *id = g_strdup_printf ("%" G_GUINT64_FORMAT, d->d_id);

	reason = g_strdup_printf (
	    /* TRANSLATORS: file, item id, Outlook folder, why (“its data fails the
	     * file's own check”); scanpst.exe is Outlook's own repair tool */
	    _("%s: item %s in the folder “%s” is damaged (%s); Outlook's Inbox Repair Tool "
	      "(scanpst.exe) can repair the file"),
	    base, id, folder->damaged == NULL ? folder->path : _("(damaged)"), why);
	emit_skip (kind, d->d_id, reason);
}

static void
read_item (Reader *r, Folder *folder, pst_desc_tree *d)
{
	Kind guess;
	g_autofree gchar *why = NULL;

	if (folder->damaged != NULL) {
		skip_damaged (r, folder, d, folder->damaged);
		return;
	}
	if (!cs_pst_check_node (r->check, d->d_id, &why)) {
		skip_damaged (r, folder, d, why);
		return;
	}

	if (r->skip != NULL && g_hash_table_contains (r->skip, &d->d_id)) {
		guess = guess_kind (r, folder, d);
		if (wants (r, guess))
			emit_skip (guess, d->d_id,
				   _("the item is damaged (reading it stopped the reader)"));
		return;
	}
	guess = r->wanted != 0 && (r->wanted & (r->wanted - 1)) == 0
		    ? (Kind) g_bit_nth_lsf (r->wanted, -1)
		    : kind_for_container (folder->klass);
	current_nid = d->d_id;
	current_kind = kind_names[guess != KIND_NONE ? guess : KIND_EMAIL];
	in_item = 1;
	read_item_unguarded (r, folder, d);
	in_item = 0;
}

static void
read_folder (Reader *r, Folder *f)
{
	if (f->excluded || !folder_selected (r, f))
		return;
	set_current_folder (f->path);
	for (pst_desc_tree *d = f->desc->child; d != NULL; d = d->next) {
		if (NID_TYPE (d->d_id) != NID_TYPE_MESSAGE)
			continue; /* subfolders, and hidden (associated) items */
		read_item (r, f, d);
	}
}

/* ---- file ------------------------------------------------------------- */

static guint64
le_bytes (const guint8 *d, guint n)
{
	guint64 v = 0;
	for (guint i = n; i > 0; i--)
		v = v << 8 | d[i - 1];
	return v;
}

/* the header names the format, and its root says how long the file should
 * be: a copy cut short is reported as such, not as some later parse error */
static const gchar *
sniff_format (const gchar *path)
{
	guint8 h[0x200];
	GStatBuf st;
	FILE *fp = fopen (path, "rb");
	gsize n;
	guint16 ver;
	gboolean ost, unicode;
	guint64 eof;

	if (fp == NULL || g_stat (path, &st) != 0)
		die ("%s", g_strerror (errno));
	n = fread (h, 1, sizeof h, fp);
	fclose (fp);
	if (n < 12 || memcmp (h, "!BDN", 4) != 0)
		die (_("not an Outlook data file (no PST/OST signature)"));
	ver = (guint16) le_bytes (h + 10, 2);
	ost = h[8] == 'S' && h[9] == 'O';
	if (ver == 36)
		die (_("Unicode OST with 4 KiB pages (Outlook 2013+) is not supported"));
	if (ver != 14 && ver != 15 && ver != 23)
		die (_("unknown PST/OST version %u"), ver);
	unicode = ver == 23;
	if (n < sizeof h)
		die (_("the file is truncated inside its header (%zu bytes)"), n);
	eof = unicode ? le_bytes (h + 0xB8, 8) : le_bytes (h + 0xA8, 4);
	if (eof > (guint64) st.st_size)
		die (_("the file is truncated (%" PRIu64 " of %" PRIu64 " bytes)"),
		     (guint64) st.st_size, eof);
	if (unicode)
		return ost ? "Unicode OST" : "Unicode";
	return ost ? "ANSI OST" : "ANSI";
}

static void
emit_folders (Reader *r)
{
	for (guint i = 0; i < r->folders->len; i++) {
		Folder *f = g_ptr_array_index (r->folders, i);
		const gchar *why =
		    g_hash_table_lookup (r->special, GSIZE_TO_POINTER ((gsize) f->nid));
		g_autoptr(CsPstJson) b = cs_pst_json_new ();
		cs_pst_json_begin_object (b);
		add_str (b, "type", g_strdup ("folder"));
		add_str (b, "path", g_strdup (f->path));
		add_str (b, "id", g_strdup_printf ("%" G_GUINT64_FORMAT, f->nid));
		add_str (b, "class", g_strdup (f->klass));
		add_bool (b, "excluded", f->excluded);
		if (why == NULL && f->excluded)
			why = "in an excluded folder";
		add_str (b, "reason", g_strdup (why));
		cs_pst_json_end_object (b);
		emit (b);
	}
}

static void
emit_file (const gchar *format, guint n_folders)
{
	g_autoptr(CsPstJson) b = cs_pst_json_new ();
	cs_pst_json_begin_object (b);
	add_str (b, "type", g_strdup ("file"));
	add_str (b, "format", g_strdup (format));
	add_int (b, "folders", n_folders);
	cs_pst_json_end_object (b);
	emit (b);
}

int
main (int argc, char **argv)
{
	g_autoptr(GOptionContext) ctx = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *kind = NULL;
	g_autofree gchar *folders = NULL;
	g_autofree gchar *skip = NULL;
	gboolean info = FALSE;
	gboolean attachments = FALSE;
	Reader r = {0};
	pst_item *store = NULL;
	pst_desc_tree *top;
	const gchar *format;
	GOptionEntry entries[] = {
	    {"info", 0, 0, G_OPTION_ARG_NONE, &info, "Check the file and print its format", NULL},
	    {"kind", 0, 0, G_OPTION_ARG_STRING, &kind, "Only these kinds", "K1,K2"},
	    {"folders", 0, 0, G_OPTION_ARG_STRING, &folders, "Only these folders", "A;B"},
	    {"attachments", 0, 0, G_OPTION_ARG_NONE, &attachments, "Attachment content", NULL},
	    {"skip", 0, 0, G_OPTION_ARG_STRING, &skip, "Items not to read", "NID,NID"},
	    {NULL},
	};

	setlocale (LC_ALL, "");
	signal (SIGALRM, on_watchdog);
	install_crash_handlers ();
	alarm (WATCHDOG_SECONDS);
	bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
	ctx = g_option_context_new ("FILE");
	g_option_context_add_main_entries (ctx, entries, NULL);
	if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2)
		die ("usage: crmsync-pst-reader [--info] [--kind K1,K2] [--folders A;B] "
		     "[--attachments] FILE");
	r.path = argv[1];
	r.attachments = attachments;
	if (kind != NULL) {
		g_auto(GStrv) kinds = g_strsplit (kind, ",", -1);
		for (guint k = 0; kinds[k] != NULL; k++) {
			guint bit = 0;
			for (guint i = 1; i < G_N_ELEMENTS (kind_names); i++)
				if (g_strcmp0 (kinds[k], kind_names[i]) == 0)
					bit = 1u << i;
			if (bit == 0)
				die (_("unknown kind “%s”"), kinds[k]);
			r.wanted |= bit;
		}
	}
	if (skip != NULL && skip[0] != '\0') {
		g_auto(GStrv) ids = g_strsplit (skip, ",", -1);
		r.skip = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
		for (guint i = 0; ids[i] != NULL; i++) {
			guint64 v;
			if (g_ascii_string_to_unsigned (ids[i], 10, 1, G_MAXUINT32, &v, NULL))
				g_hash_table_add (r.skip, g_memdup2 (&v, sizeof v));
		}
	}
	if (folders != NULL && folders[0] != '\0') {
		r.only = g_strsplit (folders, ";", -1);
		for (guint i = 0; r.only[i] != NULL; i++)
			g_strstrip (g_strdelimit (r.only[i], "\\", '/'));
	}

	format = sniff_format (r.path);
	{
		g_autofree gchar *why = NULL;
		r.check = cs_pst_check_new (r.path, &why);
		if (r.check == NULL)
			die (_("the file is damaged (%s); repair it with Outlook's Inbox Repair "
			       "Tool (scanpst.exe) and try again"),
			     why);
		/* the store names the special folders, the name-to-id map every named
		 * property: wrong, they would mislabel every record */
		if (!cs_pst_check_node (r.check, 0x21, &why) ||
		    (cs_pst_check_has_node (r.check, 0x61) &&
		     !cs_pst_check_node (r.check, 0x61, &why)))
			die (_("the file is damaged (its message store: %s); repair it with "
			       "Outlook's Inbox Repair Tool (scanpst.exe) and try again"),
			     why);
	}
	/* libpst prints its own complaints to stderr; the provider ignores them */
	if (pst_open (&r.pf, r.path, "utf-8") != 0)
		die (_("cannot open the file"));
	r.pf_open = TRUE;
	if (pst_load_index (&r.pf) != 0)
		die ("%s; %s",
		     _("the index cannot be read (damaged or truncated file)"),
		     _(REPAIR_HINT));
	pst_load_extended_attributes (&r.pf);
	if (r.pf.d_head == NULL)
		die ("%s; %s",
		     _("the file lists no items (damaged index)"),
		     _(REPAIR_HINT));
	store = pst_parse_item (&r.pf, r.pf.d_head, NULL);
	if (store == NULL && (r.pf.d_head->desc == NULL ||
			      pst_getID (&r.pf, r.pf.d_head->desc->i_id) == NULL))
		die ("%s; %s",
		     _("the index points at data blocks that are not in the file (damaged file)"),
		     _(REPAIR_HINT));
	if (store == NULL || store->message_store == NULL)
		die ("%s; %s",
		     _("the message store cannot be read (damaged file)"),
		     _(REPAIR_HINT));
	top = pst_getTopOfFolders (&r.pf, store);
	if (top == NULL)
		die ("%s; %s",
		     _("the top of the folder tree cannot be found (damaged file)"),
		     _(REPAIR_HINT));

	r.pc = cs_pst_pc_file_new (&r.pf, r.check);
	r.pff = cs_pff_open (r.path, r.pc, NULL);
	r.folders = g_ptr_array_new_with_free_func ((GDestroyNotify) folder_free);
	r.by_nid = g_hash_table_new (g_direct_hash, g_direct_equal);
	r.special = g_hash_table_new (g_direct_hash, g_direct_equal);
	{
		/* items filed at the top of the store are shown there by Outlook */
		Folder *f = g_new0 (Folder, 1);
		f->nid = top->d_id;
		f->desc = top;
		f->name = g_strdup ("");
		f->path = g_strdup ("/");
		g_ptr_array_add (r.folders, f);
		g_hash_table_insert (r.by_nid, GSIZE_TO_POINTER ((gsize) f->nid), f);
	}
	collect_folders (&r, top->child, top->d_id);
	classify_folders (&r, store);
	resolve_paths (&r);
	emit_file (format, r.folders->len);
	if (info)
		emit_folders (&r);

	if (!info) {
		g_autoptr(CsPstJson) b = cs_pst_json_new ();
		for (guint i = 0; i < r.folders->len; i++)
			read_folder (&r, g_ptr_array_index (r.folders, i));
		cs_pst_json_begin_object (b);
		add_str (b, "type", g_strdup ("end"));
		add_int (b, "items", r.n_items);
		cs_pst_json_end_object (b);
		emit (b);
	}

	pst_freeItem (store);
	g_ptr_array_unref (r.folders);
	g_hash_table_unref (r.by_nid);
	g_hash_table_unref (r.special);
	g_strfreev (r.only);
	g_clear_pointer (&r.skip, g_hash_table_unref);
	cs_pff_free (r.pff);
	cs_pst_pc_file_free (r.pc);
	cs_pst_check_free (r.check);
	pst_close (&r.pf);
	return 0;
}
