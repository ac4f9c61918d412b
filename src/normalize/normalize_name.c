/*
 * normalize_name.c — ci.normalize_name and ci.name_tokens: a personal name
 * folded to lower-case ASCII tokens, for blocking and comparison.
 *
 * Rules (doc/normalisation.md is the reference):
 *   1. Unicode NFKC with full case folding, default-ignorable characters
 *      (soft hyphen, zero-width joiners, BOM) removed: ICU's NFKC_Casefold.
 *   2. Transliteration to Latin, then to ASCII: ICU "Any-Latin; Latin-ASCII".
 *   3. Tokens are runs of letters and digits.  Apostrophes (' ` ’ ʼ ʻ ´ …)
 *      are deleted, joining what they separate (O'Brien -> obrien).  A run
 *      of hyphens/dashes directly between two token characters is kept as
 *      one '-' (Jean-Luc -> jean-luc); anywhere else it is a separator.
 *      Every other character (white space, punctuation, symbols, controls)
 *      separates tokens; separators fold to one space, trimmed at both ends.
 *   4. Letters the transliterator leaves non-ASCII are kept, in
 *      NFKC_Casefold form; combining marks are kept only on letters of
 *      scripts other than Latin (Latin-ASCII drops those on Latin letters).
 *   5. Honorifics before a name and suffixes after it are dropped, as a
 *      person's records show them one day and not the next: leading tokens
 *      of name_titles while another token follows (Dr John -> john, Sir
 *      Isaac Newton -> isaac newton), trailing tokens of name_suffixes
 *      while another precedes (Smith Jr. -> smith, King George III -> king
 *      george).  A lone honorific that is never a name (Mr, Mrs, Dr) is no
 *      name at all; a lone word that may be one (Sir, Lord, Senior) stays.
 *      Only whole tokens count, so hyphenated names are never cut.
 *   6. A name with no letter or digit normalises to NULL.
 *
 * Pure-ASCII input never reaches ICU: step 3 is done on its bytes directly,
 * which gives what ICU would (steps 1 and 2 only lower-case ASCII).  Other
 * input is cut into words at white space; ASCII words take the same fast
 * path, the rest go through ICU in chunks of about NAME_CHUNK_UNITS UTF-16
 * units.  Chunking bounds the cost of ICU's rule-based transliterators,
 * some of which (Greek) are quadratic in the length of a word, and lets a
 * long input be cancelled between chunks.
 *
 * The ICU normaliser and transliterator are opened once per backend and kept
 * for its lifetime (opening the transliterator costs ~15 ms); both are
 * immutable, so sharing them between calls and queries is safe.
 */
#include "normalize.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>
#include <unicode/utrans.h>

PG_FUNCTION_INFO_V1(match_normalize_name);
PG_FUNCTION_INFO_V1(match_name_tokens);

#define NAME_TRANSLITERATOR_ID	"Any-Latin; Latin-ASCII"

/*
 * A chunk handed to ICU is cut after NAME_CHUNK_UNITS UTF-16 units, unless
 * the next character is a combining mark, which stays with its base up to
 * NAME_CHUNK_MAX_UNITS.  Words of names are far shorter, so real names are
 * never cut.
 */
#define NAME_CHUNK_UNITS		64
#define NAME_CHUNK_MAX_UNITS	128

/* Bytes between interrupt checks on the ASCII path. */
#define NAME_ASCII_STRIDE		(1 << 16)

/* ICU objects, opened on first use and kept for the backend's lifetime. */
static const UNormalizer2 *name_nfkc_cf = NULL;
static UTransliterator *name_translit = NULL;

/*
 * A memo of ICU's output for short chunks, direct-mapped, per backend.
 * Names repeat (Müller, García, Иванов …) and steps 1 and 2 are a pure
 * function of the chunk, so this saves most ICU calls on real data; ICU
 * costs 1-15 us per word, a hit well under 0.1 us.  About 125 kB, allocated
 * at the first non-ASCII name.
 */
#define NAME_MEMO_ENTRIES		512 /* a power of two */
#define NAME_MEMO_KEY_UNITS		24
#define NAME_MEMO_VALUE_UNITS	96

typedef struct NameMemoEntry
{
	uint32		hash;
	int16		keylen;			/* 0: empty */
	int16		valuelen;
	UChar		key[NAME_MEMO_KEY_UNITS];
	UChar		value[NAME_MEMO_VALUE_UNITS];
} NameMemoEntry;

static NameMemoEntry *name_memo = NULL;

/* ICU scratch buffers, in TopMemoryContext, grown on demand and reused. */
static UChar *name_chunk = NULL;	/* NAME_CHUNK_MAX_UNITS + 2 units */
static UChar *name_norm = NULL;
static int32_t name_norm_cap = 0;
static UChar *name_trans = NULL;
static int32_t name_trans_cap = 0;
static UChar *name_again = NULL;	/* input of a repeated pass */
static int32_t name_again_cap = 0;

/* Passes of steps 1 and 2 at most, while non-ASCII output still changes. */
#define NAME_MAX_PASSES			3

typedef enum NameSep
{
	NAME_SEP_NONE = 0,
	NAME_SEP_HYPHEN,
	NAME_SEP_SPACE				/* a space overrides a hyphen */
} NameSep;

/*
 * The output being built: a varlena (VARHDRSZ reserved at the start) in
 * UTF-8, and the separator waiting to be written before the next token
 * character.
 */
typedef struct NameOut
{
	StringInfoData buf;
	NameSep		pending;
	bool		keep_marks;		/* just after a letter of a non-Latin script */
} NameOut;

static inline void
name_separator(NameOut *o, NameSep sep)
{
	if (sep > o->pending)
		o->pending = sep;
	o->keep_marks = false;
}

/* Write the pending separator, if a token precedes it. */
static inline void
name_before_token(NameOut *o)
{
	if (o->pending != NAME_SEP_NONE)
	{
		if (o->buf.len > VARHDRSZ)
			appendStringInfoCharMacro(&o->buf,
									  o->pending == NAME_SEP_SPACE ? ' ' : '-');
		o->pending = NAME_SEP_NONE;
	}
}

/* ASCII characters that end a word: everything but [A-Za-z0-9'`-]. */
static inline bool
name_ascii_is_boundary(unsigned char c)
{
	return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '-' || c == '\'' || c == '`');
}

/* Step 3 for one ASCII character: the same on both paths. */
static inline void
name_emit_ascii(NameOut *o, unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
	{
		name_before_token(o);
		appendStringInfoCharMacro(&o->buf, (char) c);
		o->keep_marks = false;
	}
	else if (c == '-')
		name_separator(o, NAME_SEP_HYPHEN);
	else if (c == '\'' || c == '`')
		o->keep_marks = false;	/* apostrophe: deleted, the token goes on */
	else
		name_separator(o, NAME_SEP_SPACE);
}

static void
name_emit_ascii_run(NameOut *o, const char *s, int len)
{
	int			i;

	for (i = 0; i < len; i++)
	{
		if ((i & (NAME_ASCII_STRIDE - 1)) == NAME_ASCII_STRIDE - 1)
			CHECK_FOR_INTERRUPTS();
		name_emit_ascii(o, (unsigned char) s[i]);
	}
}

/* Characters used as apostrophes in names, all treated as ASCII '. */
static inline bool
name_is_apostrophe(UChar32 c)
{
	switch (c)
	{
		case 0x0027:			/* apostrophe */
		case 0x0060:			/* grave accent */
		case 0x00B4:			/* acute accent */
		case 0x02B9:			/* modifier letter prime (Cyrillic soft sign) */
		case 0x02BA:			/* modifier letter double prime (hard sign) */
		case 0x02BB:			/* modifier letter turned comma (okina) */
		case 0x02BC:			/* modifier letter apostrophe */
		case 0x02BD:			/* modifier letter reversed comma */
		case 0x02BE:			/* modifier letter right half ring (aleph) */
		case 0x02BF:			/* modifier letter left half ring (ayin) */
		case 0x2018:			/* left single quotation mark */
		case 0x2019:			/* right single quotation mark */
		case 0x201B:			/* single high-reversed-9 quotation mark */
		case 0x2032:			/* prime */
		case 0xFF07:			/* fullwidth apostrophe */
			return true;
		default:
			return false;
	}
}

static inline void
name_append_utf8(NameOut *o, UChar32 c)
{
	uint8_t		bytes[U8_MAX_LENGTH];
	int32_t		n = 0;

	U8_APPEND_UNSAFE(bytes, n, c);
	appendBinaryStringInfo(&o->buf, (const char *) bytes, n);
}

/* Step 3 and 4 for one character of ICU's output. */
static void
name_emit_codepoint(NameOut *o, UChar32 c)
{
	uint32_t	gc;

	if (c < 0x80)
	{
		name_emit_ascii(o, (unsigned char) c);
		return;
	}
	if (name_is_apostrophe(c))
	{
		o->keep_marks = false;
		return;
	}
	gc = U_GET_GC_MASK(c);
	if (gc & U_GC_PD_MASK)
		name_separator(o, NAME_SEP_HYPHEN);
	else if (gc & (U_GC_L_MASK | U_GC_N_MASK))
	{
		UErrorCode	status = U_ZERO_ERROR;

		name_before_token(o);
		name_append_utf8(o, u_foldCase(c, U_FOLD_CASE_DEFAULT));
		o->keep_marks = uscript_getScript(c, &status) != USCRIPT_LATIN;
	}
	else if (gc & U_GC_M_MASK)
	{
		/*
		 * A mark stays only right after a letter (or its marks) of a script
		 * ICU left untransliterated; on a Latin letter Latin-ASCII would drop
		 * it, so drop it here too, and drop orphans.
		 */
		if (o->keep_marks)
			name_append_utf8(o, c);
	}
	else
		name_separator(o, NAME_SEP_SPACE);
}

static void
name_icu_init(void)
{
	UErrorCode	status = U_ZERO_ERROR;
	const UNormalizer2 *nfkc_cf;
	UTransliterator *translit;
	UChar		id[sizeof(NAME_TRANSLITERATOR_ID)];
	UParseError parse_error;

	if (name_translit != NULL)
		return;

	/*
	 * Scratch buffers and memo first, each once: an out-of-memory error here
	 * leaves nothing behind that a later call would allocate again.  The
	 * transliterator (ICU's malloc, ~15 ms) is opened last and stored at
	 * once, so no error can come between opening it and keeping it.
	 */
	if (name_chunk == NULL)
		name_chunk = MemoryContextAlloc(TopMemoryContext,
										(NAME_CHUNK_MAX_UNITS + 2) * sizeof(UChar));
	if (name_norm == NULL)
	{
		name_norm = MemoryContextAlloc(TopMemoryContext,
									   (4 * NAME_CHUNK_MAX_UNITS + 16) * sizeof(UChar));
		name_norm_cap = 4 * NAME_CHUNK_MAX_UNITS + 16;
	}
	if (name_trans == NULL)
	{
		name_trans = MemoryContextAlloc(TopMemoryContext,
										(8 * NAME_CHUNK_MAX_UNITS + 64) * sizeof(UChar));
		name_trans_cap = 8 * NAME_CHUNK_MAX_UNITS + 64;
	}
	if (name_again == NULL)
	{
		name_again = MemoryContextAlloc(TopMemoryContext,
										(8 * NAME_CHUNK_MAX_UNITS + 64) * sizeof(UChar));
		name_again_cap = 8 * NAME_CHUNK_MAX_UNITS + 64;
	}
	if (name_memo == NULL)
		name_memo = MemoryContextAllocZero(TopMemoryContext,
										   NAME_MEMO_ENTRIES * sizeof(NameMemoEntry));

	nfkc_cf = unorm2_getNFKCCasefoldInstance(&status);
	match_icu_check(status, "loading the NFKC_Casefold normaliser");
	name_nfkc_cf = nfkc_cf;		/* owned by ICU, never closed */

	u_uastrcpy(id, NAME_TRANSLITERATOR_ID);
	translit = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, &parse_error, &status);
	if (U_SUCCESS(status))
		name_translit = translit;	/* kept for the backend's lifetime */
	else if (translit != NULL)
		utrans_close(translit);
	match_icu_check(status, "opening the transliterator \"" NAME_TRANSLITERATOR_ID "\"");
}

/* Grow a TopMemoryContext scratch buffer to hold at least need units. */
static UChar *
name_grow(UChar *buf, int32_t *cap, int32_t need)
{
	int32_t		newcap = Max(need + 16, *cap * 2);

	buf = repalloc(buf, (Size) newcap * sizeof(UChar));
	*cap = newcap;
	return buf;
}

static bool
name_units_are_ascii(const UChar *u, int32_t n)
{
	for (int32_t i = 0; i < n; i++)
		if (u[i] >= 0x80)
			return false;
	return true;
}

/*
 * One pass of steps 1 and 2 over in[0 .. n), which must not be name_norm or
 * name_trans: NFKC_Casefold into name_norm, then transliteration into
 * name_trans.  Returns the length of the result in name_trans.
 */
static int32_t
name_icu_pass(const UChar *in, int32_t n)
{
	UErrorCode	status;
	int32_t		nlen;
	int32_t		tlen;

	for (;;)
	{
		status = U_ZERO_ERROR;
		nlen = unorm2_normalize(name_nfkc_cf, in, n, name_norm, name_norm_cap, &status);
		if (status != U_BUFFER_OVERFLOW_ERROR)
			break;
		name_norm = name_grow(name_norm, &name_norm_cap, nlen);
	}
	match_icu_check(status, "NFKC_Casefold normalisation");

	for (;;)
	{
		int32_t		limit = nlen;

		if (nlen > name_trans_cap)
			name_trans = name_grow(name_trans, &name_trans_cap, nlen);
		memcpy(name_trans, name_norm, nlen * sizeof(UChar));
		tlen = nlen;
		status = U_ZERO_ERROR;
		utrans_transUChars(name_translit, name_trans, &tlen, name_trans_cap,
						   0, &limit, &status);
		if (status != U_BUFFER_OVERFLOW_ERROR && tlen <= name_trans_cap)
			break;
		/* ran out of room: redo from the normalised text with enough */
		name_trans = name_grow(name_trans, &name_trans_cap, tlen);
	}
	match_icu_check(status, "transliteration");

	/*
	 * Transliterators may leave what NFKC_Casefold would still change
	 * (marks out of canonical order, compatibility letters): normalise the
	 * non-ASCII output once more so that it is in NFKC_Casefold form.
	 */
	if (!name_units_are_ascii(name_trans, tlen))
	{
		for (;;)
		{
			status = U_ZERO_ERROR;
			nlen = unorm2_normalize(name_nfkc_cf, name_trans, tlen,
									name_norm, name_norm_cap, &status);
			if (status != U_BUFFER_OVERFLOW_ERROR)
				break;
			name_norm = name_grow(name_norm, &name_norm_cap, nlen);
		}
		match_icu_check(status, "NFKC_Casefold normalisation");
		if (nlen > name_trans_cap)
			name_trans = name_grow(name_trans, &name_trans_cap, nlen);
		memcpy(name_trans, name_norm, nlen * sizeof(UChar));
		tlen = nlen;
	}
	return tlen;
}

/*
 * Steps 1 and 2 (ICU) for one chunk of UTF-16, name_chunk[0 .. n): sets
 * *out to the transliterated text (valid until the next call) and returns
 * its length.
 *
 * When non-ASCII characters remain, the passes are repeated on the output
 * (at most NAME_MAX_PASSES in all) until it no longer changes: a
 * transliterator can emit characters that NFKC still maps (Arabic tanwin
 * comes out as superscript n) or that another pass rewrites (a combining
 * mark left after a Latin letter).  Normalising a normalised name must
 * give it back unchanged.
 */
static int32_t
name_icu_chunk(int32_t n, const UChar **out)
{
	int32_t		tlen;
	uint32		hash = 0;
	NameMemoEntry *memo = NULL;

	if (n <= NAME_MEMO_KEY_UNITS)
	{
		hash = hash_bytes((const unsigned char *) name_chunk, n * sizeof(UChar));
		memo = &name_memo[hash & (NAME_MEMO_ENTRIES - 1)];
		if (memo->keylen == n && memo->hash == hash &&
			memcmp(memo->key, name_chunk, n * sizeof(UChar)) == 0)
		{
			*out = memo->value;
			return memo->valuelen;
		}
	}

	tlen = name_icu_pass(name_chunk, n);
	for (int pass = 1; pass < NAME_MAX_PASSES && !name_units_are_ascii(name_trans, tlen); pass++)
	{
		int32_t		again;

		if (tlen > name_again_cap)
			name_again = name_grow(name_again, &name_again_cap, tlen);
		memcpy(name_again, name_trans, tlen * sizeof(UChar));
		again = name_icu_pass(name_again, tlen);
		if (again == tlen && memcmp(name_again, name_trans, tlen * sizeof(UChar)) == 0)
			break;
		tlen = again;
	}

	if (memo != NULL && tlen <= NAME_MEMO_VALUE_UNITS)
	{
		memo->keylen = 0;		/* invalid while being overwritten */
		memcpy(memo->key, name_chunk, n * sizeof(UChar));
		memcpy(memo->value, name_trans, tlen * sizeof(UChar));
		memo->valuelen = tlen;
		memo->hash = hash;
		memo->keylen = n;
	}
	*out = name_trans;
	return tlen;
}

/* Steps 1 to 4 for one chunk of UTF-16 (name_chunk[0 .. n)). */
static void
name_flush_chunk(NameOut *o, int32_t n)
{
	const UChar *t;
	int32_t		tlen = name_icu_chunk(n, &t);
	int32_t		i;

	for (i = 0; i < tlen;)
	{
		UChar32		c;

		U16_NEXT(t, i, tlen, c);
		name_emit_codepoint(o, c);
	}
	CHECK_FOR_INTERRUPTS();
}

static void
name_invalid_utf8(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
			 errmsg("invalid byte sequence for encoding \"UTF8\" in name")));
}

/* One word that has non-ASCII characters, through ICU in chunks. */
static void
name_transliterate_word(NameOut *o, const char *s, int32_t len)
{
	const uint8_t *u = (const uint8_t *) s;
	int32_t		i = 0;
	int32_t		n = 0;

	name_icu_init();
	while (i < len)
	{
		UChar32		c;
		int32_t		next = i;

		U8_NEXT(u, next, len, c);
		if (c < 0)
			name_invalid_utf8();
		if (n >= NAME_CHUNK_UNITS &&
			!(n < NAME_CHUNK_MAX_UNITS && (U_GET_GC_MASK(c) & U_GC_M_MASK)))
		{
			name_flush_chunk(o, n);
			n = 0;
		}
		/*
		 * Apostrophe look-alikes become ' before normalisation: NFKC would
		 * turn some (the acute accent) into a space and a combining mark.
		 */
		if (name_is_apostrophe(c))
			c = '\'';
		U16_APPEND_UNSAFE(name_chunk, n, c);
		i = next;
	}
	if (n > 0)
		name_flush_chunk(o, n);
}

/*
 * Normalise UTF-8 bytes into o.  Words (runs without white space or ASCII
 * punctuation other than ' ` -) that are pure ASCII take the fast path.
 */
static void
name_normalize_utf8(NameOut *o, const char *s, int32_t len)
{
	const uint8_t *u = (const uint8_t *) s;
	int32_t		i = 0;

	if (ci_is_ascii(s, len))
	{
		name_emit_ascii_run(o, s, len);
		return;
	}

	while (i < len)
	{
		int32_t		start = i;
		bool		ascii = true;

		while (i < len)
		{
			if (u[i] < 0x80)
			{
				if (name_ascii_is_boundary(u[i]))
					break;
				i++;
			}
			else
			{
				UChar32		c;
				int32_t		next = i;

				U8_NEXT(u, next, len, c);
				if (c < 0)
					name_invalid_utf8();
				if (u_isUWhiteSpace(c))
					break;
				ascii = false;
				i = next;
			}
		}

		if (i > start)
		{
			if (ascii)
				name_emit_ascii_run(o, s + start, i - start);
			else
				name_transliterate_word(o, s + start, i - start);
		}

		if (i < len)
		{
			/* the boundary character itself */
			if (u[i] < 0x80)
				i++;
			else
			{
				UChar32		c;

				U8_NEXT(u, i, len, c);
			}
			name_separator(o, NAME_SEP_SPACE);
		}
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * Step 5's word lists, in normalised form.  Titles are dropped before a
 * name; the honorifics among them are never names themselves, so one alone
 * is dropped too.  Suffixes are dropped after a name.  Words that are also
 * given or family names in their own right (King, Prince, Major, Dean,
 * Earl, Don, Saint) are left alone: dropping a real name would cost more
 * than keeping a rare title.  St is not here either (street, saint).
 */
static const char *const name_honorifics[] = {
	"mr", "mrs", "ms", "mx", "miss", "mstr", "messrs", "dr", "prof", "revd",
	"herr", "frau", "frl", "mme", "mlle", "sra", "srta", NULL
};
static const char *const name_titles[] = {
	"mr", "mrs", "ms", "mx", "miss", "mstr", "messrs", "dr", "prof", "revd",
	"herr", "frau", "frl", "mme", "mlle", "sra", "srta",
	"mister", "missus", "master", "madam", "madame", "mademoiselle",
	"monsieur", "doctor", "professor", "rev", "reverend", "fr", "sir",
	"dame", "lady", "lord", "hon", "capt", "captain", "col", "maj", "lt",
	"sgt", NULL
};
static const char *const name_suffixes[] = {
	"jr", "jnr", "junior", "sr", "snr", "senior", "ii", "iii", "iv",
	"phd", "dphil", "md", "esq", "dds", "mba", "obe", "mbe", "cbe", "kbe",
	NULL
};

static bool
name_word_in(const char *w, int len, const char *const *list)
{
	for (; *list != NULL; list++)
		if ((int) strlen(*list) == len && memcmp(*list, w, len) == 0)
			return true;
	return false;
}

/*
 * Step 5 on the normalised tokens in o (separated by single spaces; a
 * hyphen joins the parts of one token).
 */
static void
name_strip_affixes(NameOut *o)
{
	char	   *s = o->buf.data + VARHDRSZ;
	int			len = o->buf.len - VARHDRSZ;
	int			start = 0;

	for (;;)
	{
		char	   *sp = memchr(s + start, ' ', len - start);

		if (sp == NULL || !name_word_in(s + start, sp - (s + start), name_titles))
			break;
		start = sp - s + 1;
	}
	for (;;)
	{
		int			i = len - 1;

		while (i > start && s[i] != ' ')
			i--;
		if (i <= start || !name_word_in(s + i + 1, len - i - 1, name_suffixes))
			break;
		len = i;
	}
	if (memchr(s + start, ' ', len - start) == NULL &&
		name_word_in(s + start, len - start, name_honorifics))
		len = start;
	if (start > 0)
		memmove(s, s + start, len - start);
	o->buf.len = VARHDRSZ + len - start;
	o->buf.data[o->buf.len] = '\0';
}

/*
 * The normalised name of a text datum, as text in the server encoding, or
 * NULL when it has no letter or digit (or only an honorific).
 */
static text *
name_normalize_text(text *name)
{
	int			len;
	const char *s = match_text_to_utf8_or_null(name, &len);
	NameOut		o;

	if (s == NULL)
		return NULL;			/* SQL_ASCII bytes that are not UTF-8 */
	initStringInfo(&o.buf);
	appendStringInfoSpaces(&o.buf, VARHDRSZ);
	o.pending = NAME_SEP_NONE;
	o.keep_marks = false;

	name_normalize_utf8(&o, s, len);
	name_strip_affixes(&o);

	if (o.buf.len == VARHDRSZ)
		return NULL;
	if (GetDatabaseEncoding() != PG_UTF8 &&
		!ci_is_ascii(o.buf.data + VARHDRSZ, o.buf.len - VARHDRSZ))
		return match_utf8_to_text(o.buf.data + VARHDRSZ, o.buf.len - VARHDRSZ);
	SET_VARSIZE(o.buf.data, o.buf.len);
	return (text *) o.buf.data;
}

/*
 * Memo of whole results (memo.c; name_memo above keeps ICU chunks): a generated row of ci.source_record
 * normalises each of its names several times, and names repeat across rows.
 */
static CiMemo name_result_memo = CI_MEMO_INIT(4096, 48, 48);

Datum
match_normalize_name(PG_FUNCTION_ARGS)
{
	text	   *name = PG_GETARG_TEXT_PP(0);
	const char *key = VARDATA_ANY(name);
	int			key_len = VARSIZE_ANY_EXHDR(name);
	uint32		hash;
	const char *value;
	int			value_len;
	text	   *result;

	if (ci_memo_get(&name_result_memo, key, key_len, &hash, &value, &value_len))
	{
		if (value_len < 0)
			PG_RETURN_NULL();
		PG_RETURN_TEXT_P(cstring_to_text_with_len(value, value_len));
	}
	result = name_normalize_text(name);
	if (result == NULL)
		ci_memo_put(&name_result_memo, key, key_len, hash, NULL, -1);
	else
		ci_memo_put(&name_result_memo, key, key_len, hash,
					VARDATA(result), VARSIZE(result) - VARHDRSZ);
	PG_FREE_IF_COPY(name, 0);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(result);
}

Datum
match_name_tokens(PG_FUNCTION_ARGS)
{
	text	   *name = PG_GETARG_TEXT_PP(0);
	text	   *normalized = name_normalize_text(name);
	Datum	   *tokens;
	int			ntokens = 0;
	ArrayType  *result;

	if (normalized == NULL)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(TEXTOID));
	else
	{
		const char *p = VARDATA(normalized);
		const char *end = p + VARSIZE(normalized) - VARHDRSZ;
		const char *q;
		int			maxtokens = 1;

		/* separators are ASCII, which no server encoding uses inside a character */
		for (q = p; q < end; q++)
			if (*q == ' ' || *q == '-')
				maxtokens++;
		if ((Size) maxtokens > MaxArraySize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("name has more tokens than an array can hold"),
					 errdetail("The name has up to %d tokens; an array holds at most %d elements.",
							   maxtokens, (int) MaxArraySize)));
		tokens = palloc((Size) maxtokens * sizeof(Datum));

		while (p < end)
		{
			q = p;
			while (q < end && *q != ' ' && *q != '-')
				q++;
			tokens[ntokens++] = PointerGetDatum(cstring_to_text_with_len(p, q - p));
			p = q + 1;
		}
	}
	result = construct_array(tokens, ntokens, TEXTOID, -1, false, TYPALIGN_INT);
	PG_FREE_IF_COPY(name, 0);
	PG_RETURN_ARRAYTYPE_P(result);
}
