/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "cs-app-window.h"

G_BEGIN_DECLS

void
cs_app_actions_install (CsAppWindow *window);

G_END_DECLS
