/* SPDX-License-Identifier: GPL-2.0-or-later */
/* the one header a plugin includes */
#pragma once

#include "cs-country.h"
#include "cs-http-client.h"
#include "cs-json.h"
#include "cs-provider.h"
#include "cs-read-sink.h"
#include "cs-record.h"
#include "cs-schema.h"
#include "cs-secrets.h"
#include "cs-timezone.h"
#include "cs-write-op.h"
