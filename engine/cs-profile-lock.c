/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cs-profile-lock.h"

/*
 * One run of a profile at a time, whoever starts it (the app's timer, the
 * CLI from cron, `watch`): an exclusive flock() on a file beside the state.
 * flock() rather than fcntl() locks, because fcntl() locks belong to the
 * process: two engines of one process (the app's scheduler and its Sync all
 * assistant) would not see each other. The kernel drops the lock when the
 * process dies, so a crashed run never leaves a profile locked.
 */
struct _CsProfileLock {
	GObject parent_instance;
	gchar *path;
	gint fd;
};

G_DEFINE_TYPE (CsProfileLock, cs_profile_lock, G_TYPE_OBJECT)

static void
cs_profile_lock_finalize (GObject *object)
{
	CsProfileLock *self = CS_PROFILE_LOCK (object);
	if (self->fd >= 0) {
		/* an empty file says nobody holds it; closing releases the lock */
		if (ftruncate (self->fd, 0) != 0)
			g_debug ("cannot empty %s: %s", self->path, g_strerror (errno));
		flock (self->fd, LOCK_UN);
		close (self->fd);
	}
	g_free (self->path);
	G_OBJECT_CLASS (cs_profile_lock_parent_class)->finalize (object);
}

static void
cs_profile_lock_class_init (CsProfileLockClass *klass)
{
	G_OBJECT_CLASS (klass)->finalize = cs_profile_lock_finalize;
}

static void
cs_profile_lock_init (CsProfileLock *self)
{
	self->fd = -1;
}

/* the process id the holder wrote, for the message; 0 if unknown */
static gint64
holder_pid (const gchar *path)
{
	g_autofree gchar *text = NULL;
	gint64 pid;
	if (!g_file_get_contents (path, &text, NULL, NULL))
		return 0;
	pid = g_ascii_strtoll (g_strstrip (text), NULL, 10);
	return pid > 0 ? pid : 0;
}

/**
 * cs_profile_lock_acquire:
 * @state_path: the profile's state file; the lock is "@state_path.lock"
 * @profile_name: for the message
 * @wait_ms: how long to wait for a run that holds it
 *
 * Returns: (transfer full): the lock, held until the object is finalized;
 *   %NULL with %G_IO_ERROR_BUSY when another run kept it for @wait_ms
 */
CsProfileLock *
cs_profile_lock_acquire (const gchar *state_path, const gchar *profile_name, guint wait_ms,
			 GError **error)
{
	g_autoptr (CsProfileLock) self = g_object_new (CS_TYPE_PROFILE_LOCK, NULL);
	g_autofree gchar *dir = g_path_get_dirname (state_path);
	g_autofree gchar *pid = NULL;
	gint64 deadline = g_get_monotonic_time () + (gint64)wait_ms * 1000;

	self->path = g_strconcat (state_path, ".lock", NULL);
	if (g_mkdir_with_parents (dir, 0700) != 0) {
		g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
			     _ ("cannot create %s: %s"), dir, g_strerror (errno));
		return NULL;
	}
	self->fd = g_open (self->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (self->fd < 0) {
		gint saved = errno;
		g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
			     _ ("cannot open the lock %s: %s"), self->path, g_strerror (saved));
		return NULL;
	}
	while (flock (self->fd, LOCK_EX | LOCK_NB) != 0) {
		gint64 other;
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			gint saved = errno;
			g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
				     _ ("cannot lock %s: %s"), self->path, g_strerror (saved));
			return NULL;
		}
		if (g_get_monotonic_time () < deadline) {
			g_usleep (50 * G_TIME_SPAN_MILLISECOND);
			continue;
		}
		other = holder_pid (self->path);
		if (other > 0)
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
				     /* TRANSLATORS: %s is the profile's name, then a process id */
				     _ ("another sync of the profile %s is running (process %d); "
					"nothing was "
					"changed, try again when it has finished"),
				     profile_name, (gint)other);
		else
			g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
				     _ ("another sync of the profile %s is running; nothing was "
					"changed, "
					"try again when it has finished"),
				     profile_name);
		return NULL;
	}
	/* who holds it, for the message another run prints */
	pid = g_strdup_printf ("%d\n", (gint)getpid ());
	if (ftruncate (self->fd, 0) != 0 || pwrite (self->fd, pid, strlen (pid), 0) < 0)
		g_debug ("cannot write %s: %s", self->path, g_strerror (errno));
	return g_steal_pointer (&self);
}

const gchar *
cs_profile_lock_get_path (CsProfileLock *self)
{
	return self->path;
}
