/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "cs-country.h"

/*
 * The countries the CRMs and Outlook users we sync with mostly write, each
 * with its English name, then the names used in the languages we translate
 * to, their neighbours' and the country's own ("|" between them). Outlook keeps
 * whatever the user typed; a CRM keeps a code and shows its own name, so
 * both sides are compared as codes.
 */
static const struct {
	const gchar *code;
	const gchar *english;
	const gchar *others;
} countries[] = {
    {"AT", "Austria", "Østrig|Österreich|Autriche|Oostenrijk|Itävalta"},
    {"BE", "Belgium", "Belgien|Belgique|België|Belgio"},
    {"BG", "Bulgaria", "Bulgarien|Bulgarie|България"},
    {"CA", "Canada", "Kanada"},
    {"CH", "Switzerland", "Schweiz|Suisse|Svizzera|Zwitserland|Sveits"},
    {"CN", "China", "Kina|Chine|中国"},
    {"CZ", "Czechia", "Czech Republic|Tjekkiet|Tschechien|Tjeckien|Tsjekkia|Tchéquie|Česko"},
    {"DE", "Germany", "Tyskland|Deutschland|Allemagne|Duitsland|Saksa|Niemcy|Germania"},
    {"DK", "Denmark", "Danmark|Dänemark|Danemark|Denemarken|Tanska|Dania|Danimarca"},
    {"EE", "Estonia", "Estland|Estonie|Eesti"},
    {"ES", "Spain", "Spanien|Spanje|Espagne|España|Spania|Espanja|Hiszpania"},
    {"FI", "Finland", "Finnland|Finlande|Suomi|Finlandia"},
    {"FO", "Faroe Islands", "Færøerne|Färöer|Føroyar"},
    {"FR", "France", "Frankrig|Frankreich|Frankrike|Frankrijk|Ranska|Francja|Francia"},
    {"GB", "United Kingdom", "UK|Great Britain|Storbritannien|Vereinigtes Königreich|Großbritannien|"
			      "Storbritannia|Royaume-Uni|Verenigd Koninkrijk|England"},
    {"GL", "Greenland", "Grønland|Grönland|Kalaallit Nunaat"},
    {"GR", "Greece", "Grækenland|Griechenland|Grekland|Hellas|Grèce|Griekenland|Ελλάδα"},
    {"HR", "Croatia", "Kroatien|Croatie|Kroatië|Hrvatska"},
    {"HU", "Hungary", "Ungarn|Ungern|Hongrie|Hongarije|Magyarország"},
    {"IE", "Ireland", "Irland|Irlande|Ierland|Éire"},
    {"IN", "India", "Indien|Inde"},
    {"IS", "Iceland", "Island|Islande|IJsland|Ísland"},
    {"IT", "Italy", "Italien|Italie|Italië|Italia"},
    {"JP", "Japan", "Japon|日本"},
    {"LT", "Lithuania", "Litauen|Lituanie|Litouwen|Lietuva"},
    {"LU", "Luxembourg", "Luxemburg|Lëtzebuerg"},
    {"LV", "Latvia", "Letland|Lettland|Lettonie|Latvija"},
    {"NL", "Netherlands", "The Netherlands|Holland|Nederland|Niederlande|Nederländerna|Pays-Bas|Alankomaat"},
    {"NO", "Norway", "Norge|Norwegen|Norvège|Noorwegen|Norja|Norwegia|Noreg"},
    {"PL", "Poland", "Polen|Pologne|Polska"},
    {"PT", "Portugal", ""},
    {"RO", "Romania", "Rumænien|Rumänien|Roumanie|Roemenië|România"},
    {"SE", "Sweden", "Sverige|Schweden|Suède|Zweden|Ruotsi|Szwecja|Svezia"},
    {"SI", "Slovenia", "Slovenien|Slowenien|Slovénie|Slovenië|Slovenija"},
    {"SK", "Slovakia", "Slovakiet|Slowakei|Slovakien|Slovaquie|Slowakije|Slovensko"},
    {"TR", "Turkey", "Türkiye|Tyrkiet|Türkei|Turkiet|Tyrkia|Turquie|Turkije"},
    {"UA", "Ukraine", "Ukraina|Україна"},
    {"US", "United States", "USA|U.S.|U.S.A.|United States of America|Amerika|"
			     "Vereinigte Staaten|Förenta staterna|États-Unis|Verenigde Staten"},
};

/* the same name however it is cased or spaced */
static gchar *
fold (const gchar *name)
{
	g_autofree gchar *trimmed = g_strstrip (g_strdup (name));
	g_autofree gchar *norm = g_utf8_normalize (trimmed, -1, G_NORMALIZE_DEFAULT_COMPOSE);
	return norm != NULL ? g_utf8_casefold (norm, -1) : NULL;
}

static GHashTable *
by_name (void)
{
	static gsize table = 0;
	if (g_once_init_enter (&table)) {
		GHashTable *t = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
		for (guint i = 0; i < G_N_ELEMENTS (countries); i++) {
			g_auto(GStrv) names = g_strsplit (countries[i].others, "|", -1);
			g_hash_table_insert (t, fold (countries[i].code), (gpointer) countries[i].code);
			g_hash_table_insert (t, fold (countries[i].english), (gpointer) countries[i].code);
			for (guint n = 0; names[n] != NULL; n++)
				if (names[n][0] != '\0')
					g_hash_table_insert (t, fold (names[n]), (gpointer) countries[i].code);
		}
		g_once_init_leave (&table, (gsize) t);
	}
	return (GHashTable *) table;
}

/**
 * cs_country_code:
 * @name: (nullable): a country's name in one of the languages known here,
 *   or its two-letter code, in any case
 *
 * Returns: (nullable): the ISO 3166 alpha-2 code, %NULL when unknown
 */
const gchar *
cs_country_code (const gchar *name)
{
	g_autofree gchar *key = NULL;
	if (name == NULL || !g_utf8_validate (name, -1, NULL))
		return NULL;
	key = fold (name);
	return key != NULL ? g_hash_table_lookup (by_name (), key) : NULL;
}

/**
 * cs_country_name:
 * @code: (nullable): an ISO 3166 alpha-2 code, in any case
 *
 * Returns: (nullable): the country's English name, %NULL when unknown
 */
const gchar *
cs_country_name (const gchar *code)
{
	for (guint i = 0; code != NULL && i < G_N_ELEMENTS (countries); i++) {
		if (g_ascii_strcasecmp (code, countries[i].code) == 0)
			return countries[i].english;
	}
	return NULL;
}

/**
 * cs_country_normalize:
 *
 * Returns: (transfer full) (nullable): the English name of a country known
 *   here, else @name as it is
 */
gchar *
cs_country_normalize (const gchar *name)
{
	const gchar *english = cs_country_name (cs_country_code (name));
	return g_strdup (english != NULL ? english : name);
}
