/*
 * double_metaphone.c — Lawrence Philips' Double Metaphone (C/C++ Users
 * Journal, June 2000): a primary and an alternate phonetic code of at most
 * four characters for a (mostly English-spelled) name.
 *
 * Written from the published rules.  The input is first folded to ASCII
 * upper case: ASCII letters are upper-cased; Latin letters with diacritics
 * lose them (canonical decomposition, ICU); ß, Æ, Œ, Ø, Ł, Đ, Ð, Þ, ı and a
 * few others that do not decompose are spelled out (SS, AE, OE, O, L, D, D,
 * TH, I …); Ç is kept, because the rules code it as S; characters of other
 * scripts are skipped (ci.normalize_name transliterates them first).  ASCII
 * non-letters (spaces, hyphens, digits) are kept: some rules look at spaces
 * ("VAN ", "SAN ") and the others ignore them.
 *
 * Any length is accepted: folding is O(n), the rules look a bounded
 * distance around the current position, and coding stops as soon as both
 * codes have four characters.
 */
#include "ci_common.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include <unicode/unorm2.h>

#define DM_CODE_LEN	4
#define DM_PAD		5			/* positions past the end read as spaces */
#define DM_CEDILLA	((char) 0xC7)	/* Ç in the folded string */
#define DM_STACK	256

typedef struct DMCode
{
	char		s[DM_CODE_LEN + 1];
	int			len;
} DMCode;

typedef struct DMState
{
	const char *s;				/* folded input, upper-case ASCII and Ç */
	int			len;
	int			last;			/* len - 1 */
	bool		slavo_germanic;
	DMCode		primary;
	DMCode		alternate;
} DMState;

/* ---- folding ------------------------------------------------------------ */

static const UNormalizer2 *dm_nfd = NULL;

/*
 * Letters without a canonical decomposition, spelled in ASCII.  Case pairs
 * are listed both ways.
 */
static const struct
{
	pg_wchar	c;
	const char *ascii;
}			dm_spelled[] =
{
	{0x00C6, "AE"}, {0x00E6, "AE"}, {0x00D0, "D"}, {0x00F0, "D"},
	{0x00D8, "O"}, {0x00F8, "O"}, {0x00DE, "TH"}, {0x00FE, "TH"},
	{0x00DF, "SS"}, {0x1E9E, "SS"}, {0x0110, "D"}, {0x0111, "D"},
	{0x0126, "H"}, {0x0127, "H"}, {0x0131, "I"}, {0x0132, "IJ"},
	{0x0133, "IJ"}, {0x0138, "K"}, {0x013F, "L"}, {0x0140, "L"},
	{0x0141, "L"}, {0x0142, "L"}, {0x014A, "NG"}, {0x014B, "NG"},
	{0x0152, "OE"}, {0x0153, "OE"}, {0x0166, "T"}, {0x0167, "T"},
	{0x017F, "S"}, {0x0180, "B"}, {0x0197, "I"}, {0x01B5, "Z"},
	{0x01B6, "Z"}, {0x0237, "J"}, {0x0248, "J"}, {0x0249, "J"},
};

/* Append the folding of code point c (not ASCII) to out; returns chars added. */
static int
dm_fold_latin(pg_wchar c, char *out)
{
	UChar		dec[8];
	UErrorCode	status = U_ZERO_ERROR;
	int32_t		n;
	int			i;

	if (c == 0x00C7 || c == 0x00E7)
	{
		out[0] = DM_CEDILLA;
		return 1;
	}
	for (i = 0; i < (int) lengthof(dm_spelled); i++)
	{
		if (dm_spelled[i].c == c)
		{
			int			k = strlen(dm_spelled[i].ascii);

			memcpy(out, dm_spelled[i].ascii, k);
			return k;
		}
	}
	if (dm_nfd == NULL)
	{
		dm_nfd = unorm2_getNFDInstance(&status);
		if (U_FAILURE(status))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not open the ICU NFD normaliser: %s",
							u_errorName(status))));
	}
	n = unorm2_getDecomposition(dm_nfd, (UChar32) c, dec, lengthof(dec), &status);
	if (U_FAILURE(status) || n < 1)
		return 0;				/* no decomposition: not a Latin letter we know */
	if (dec[0] >= 'a' && dec[0] <= 'z')
	{
		out[0] = (char) (dec[0] - 'a' + 'A');
		return 1;
	}
	if (dec[0] >= 'A' && dec[0] <= 'Z')
	{
		out[0] = (char) dec[0];
		return 1;
	}
	return 0;
}

/*
 * Fold UTF-8 (or pure ASCII) bytes into buf, which has room for bytelen
 * chars: no character folds to more chars than it has UTF-8 bytes (every
 * expansion above is of a letter of two or more bytes).
 */
static int
dm_fold(const char *s, int bytelen, char *buf)
{
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *end = p + bytelen;
	int			n = 0;

	while (p < end)
	{
		int			l;

		if (*p < 0x80)
		{
			char		c = (char) *p++;

			buf[n++] = (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
			continue;
		}
		l = pg_utf_mblen(p);
		if (p + l > end || !pg_utf8_islegal(p, l))
		{
			/*
			 * Not reached: the server validated the text, and in SQL_ASCII
			 * pg_server_to_any verified it as UTF-8 (22021 otherwise).  Skip
			 * the byte rather than read past a bad sequence.
			 */
			p++;
			continue;
		}
		n += dm_fold_latin(utf8_to_unicode(p), buf + n);
		Assert(n <= (const char *) p + l - s);
		p += l;
	}
	return n;
}

/* ---- the rules ---------------------------------------------------------- */

static inline char
dm_at(const DMState *st, int pos)
{
	if (pos < 0)
		return '\0';
	if (pos < st->len)
		return st->s[pos];
	if (pos < st->len + DM_PAD)
		return ' ';
	return '\0';
}

static inline bool
dm_vowel(const DMState *st, int pos)
{
	char		c = dm_at(st, pos);

	return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U' || c == 'Y';
}

/*
 * True when the string at pos spells one of the comma-separated options
 * (all of one length, none containing a comma).
 */
static bool
dm_is(const DMState *st, int pos, const char *options)
{
	const char *o = options;

	if (pos < 0)
		return false;
	while (*o)
	{
		int			k = 0;

		while (o[k] && o[k] != ',' && dm_at(st, pos + k) == o[k])
			k++;
		if (o[k] == '\0' || o[k] == ',')
			return true;
		while (*o && *o != ',')
			o++;
		if (*o == ',')
			o++;
	}
	return false;
}

static inline void
dm_append(DMCode *code, const char *s)
{
	for (; *s && code->len < DM_CODE_LEN; s++)
		code->s[code->len++] = *s;
}

/* Add p to the primary code and a to the alternate. */
static inline void
dm_add2(DMState *st, const char *p, const char *a)
{
	dm_append(&st->primary, p);
	dm_append(&st->alternate, a);
}

static inline void
dm_add(DMState *st, const char *both)
{
	dm_add2(st, both, both);
}

/* Germanic or Slavic spelling: W, K, CZ or WITZ anywhere. */
static bool
dm_slavo_germanic(const char *s, int len)
{
	int			i;

	for (i = 0; i < len; i++)
	{
		if (s[i] == 'W' || s[i] == 'K')
			return true;
		if (s[i] == 'C' && i + 1 < len && s[i + 1] == 'Z')
			return true;
	}
	return false;				/* WITZ contains W */
}

/* Each rule returns the number of input characters it consumed. */

static int
dm_rule_c(DMState *st, int cur)
{
	/* Germanic -ACH- ('bacher', 'macher'), not 'bachi' or 'bache' */
	if (cur > 1 && !dm_vowel(st, cur - 2) && dm_is(st, cur - 1, "ACH") &&
		dm_at(st, cur + 2) != 'I' &&
		(dm_at(st, cur + 2) != 'E' || dm_is(st, cur - 2, "BACHER,MACHER")))
	{
		dm_add(st, "K");
		return 2;
	}
	if (cur == 0 && dm_is(st, cur, "CAESAR"))
	{
		dm_add(st, "S");
		return 2;
	}
	if (dm_is(st, cur, "CHIA"))	/* Italian 'chianti' */
	{
		dm_add(st, "K");
		return 2;
	}
	if (dm_is(st, cur, "CH"))
	{
		if (cur > 0 && dm_is(st, cur, "CHAE"))	/* 'michael' */
		{
			dm_add2(st, "K", "X");
			return 2;
		}
		/* Greek roots at the start: 'chemistry', 'chorus', not 'chore' */
		if (cur == 0 &&
			(dm_is(st, cur + 1, "HARAC,HARIS") ||
			 dm_is(st, cur + 1, "HOR,HYM,HIA,HEM")) &&
			!dm_is(st, 0, "CHORE"))
		{
			dm_add(st, "K");
			return 2;
		}
		/* Germanic or Greek CH pronounced K */
		if (dm_is(st, 0, "VAN ,VON ") || dm_is(st, 0, "SCH") ||
			dm_is(st, cur - 2, "ORCHES,ARCHIT,ORCHID") ||
			dm_is(st, cur + 2, "T,S") ||
			((dm_is(st, cur - 1, "A,O,U,E") || cur == 0) &&
			 dm_is(st, cur + 2, "L,R,N,M,B,H,F,V,W, ")))
			dm_add(st, "K");
		else if (cur > 0)
		{
			if (dm_is(st, 0, "MC"))	/* 'McHugh' */
				dm_add(st, "K");
			else
				dm_add2(st, "X", "K");
		}
		else
			dm_add(st, "X");
		return 2;
	}
	if (dm_is(st, cur, "CZ") && !dm_is(st, cur - 2, "WICZ"))	/* 'czerny' */
	{
		dm_add2(st, "S", "X");
		return 2;
	}
	if (dm_is(st, cur + 1, "CIA"))	/* 'focaccia' */
	{
		dm_add(st, "X");
		return 3;
	}
	/* double C, but not 'McClellan' */
	if (dm_is(st, cur, "CC") && !(cur == 1 && dm_at(st, 0) == 'M'))
	{
		/* 'bellocchio', not 'bacchus' */
		if (dm_is(st, cur + 2, "I,E,H") && !dm_is(st, cur + 2, "HU"))
		{
			/* 'accident', 'accede', 'succeed' */
			if ((cur == 1 && dm_at(st, cur - 1) == 'A') ||
				dm_is(st, cur - 1, "UCCEE,UCCES"))
				dm_add(st, "KS");
			else				/* 'bacci', 'bertucci' */
				dm_add(st, "X");
			return 3;
		}
		dm_add(st, "K");		/* Pierce's rule */
		return 2;
	}
	if (dm_is(st, cur, "CK,CG,CQ"))
	{
		dm_add(st, "K");
		return 2;
	}
	if (dm_is(st, cur, "CI,CE,CY"))
	{
		if (dm_is(st, cur, "CIO,CIE,CIA"))	/* Italian */
			dm_add2(st, "S", "X");
		else
			dm_add(st, "S");
		return 2;
	}
	dm_add(st, "K");
	if (dm_is(st, cur + 1, " C, Q, G"))	/* 'mac caffrey', 'mac gregor' */
		return 3;
	if (dm_is(st, cur + 1, "C,K,Q") && !dm_is(st, cur + 1, "CE,CI"))
		return 2;
	return 1;
}

static int
dm_rule_g(DMState *st, int cur)
{
	if (dm_at(st, cur + 1) == 'H')
	{
		if (cur > 0 && !dm_vowel(st, cur - 1))
		{
			dm_add(st, "K");
			return 2;
		}
		if (cur == 0)
		{
			/* 'ghislane', 'ghiradelli' */
			dm_add(st, dm_at(st, cur + 2) == 'I' ? "J" : "K");
			return 2;
		}
		/* Parker's rule: 'hugh', 'bough', 'broughton' are silent */
		if ((cur > 1 && dm_is(st, cur - 2, "B,H,D")) ||
			(cur > 2 && dm_is(st, cur - 3, "B,H,D")) ||
			(cur > 3 && dm_is(st, cur - 4, "B,H")))
			return 2;
		/* 'laugh', 'McLaughlin', 'cough', 'rough', 'tough' */
		if (cur > 2 && dm_at(st, cur - 1) == 'U' &&
			dm_is(st, cur - 3, "C,G,L,R,T"))
			dm_add(st, "F");
		else if (cur > 0 && dm_at(st, cur - 1) != 'I')
			dm_add(st, "K");
		return 2;
	}
	if (dm_at(st, cur + 1) == 'N')
	{
		if (cur == 1 && dm_vowel(st, 0) && !st->slavo_germanic)
			dm_add2(st, "KN", "N");
		/* not 'cagney' (the Y test is Philips' and never true here) */
		else if (!dm_is(st, cur + 2, "EY") && dm_at(st, cur + 1) != 'Y' &&
				 !st->slavo_germanic)
			dm_add2(st, "N", "KN");
		else
			dm_add(st, "KN");
		return 2;
	}
	if (dm_is(st, cur + 1, "LI") && !st->slavo_germanic)	/* 'tagliaro' */
	{
		dm_add2(st, "KL", "L");
		return 2;
	}
	/* -GES-, -GEP-, -GEL-, -GIE- … at the start */
	if (cur == 0 &&
		(dm_at(st, cur + 1) == 'Y' ||
		 dm_is(st, cur + 1, "ES,EP,EB,EL,EY,IB,IL,IN,IE,EI,ER")))
	{
		dm_add2(st, "K", "J");
		return 2;
	}
	/* -GER-, -GY- */
	if ((dm_is(st, cur + 1, "ER") || dm_at(st, cur + 1) == 'Y') &&
		!dm_is(st, 0, "DANGER,RANGER,MANGER") &&
		!dm_is(st, cur - 1, "E,I") &&
		!dm_is(st, cur - 1, "RGY,OGY"))
	{
		dm_add2(st, "K", "J");
		return 2;
	}
	/* Italian 'biaggi' */
	if (dm_is(st, cur + 1, "E,I,Y") || dm_is(st, cur - 1, "AGGI,OGGI"))
	{
		if (dm_is(st, 0, "VAN ,VON ") || dm_is(st, 0, "SCH") ||
			dm_is(st, cur + 1, "ET"))
			dm_add(st, "K");	/* obviously Germanic */
		else if (dm_is(st, cur + 1, "IER "))
			dm_add(st, "J");	/* French ending */
		else
			dm_add2(st, "J", "K");
		return 2;
	}
	dm_add(st, "K");
	return dm_at(st, cur + 1) == 'G' ? 2 : 1;
}

static int
dm_rule_j(DMState *st, int cur)
{
	/* Spanish 'jose', 'san jacinto' */
	if (dm_is(st, cur, "JOSE") || dm_is(st, 0, "SAN "))
	{
		if ((cur == 0 && dm_at(st, cur + 4) == ' ') || dm_is(st, 0, "SAN "))
			dm_add(st, "H");
		else
			dm_add2(st, "J", "H");
		return 1;
	}
	if (cur == 0 && !dm_is(st, cur, "JOSE"))
		dm_add2(st, "J", "A");	/* 'Yankelovich' / 'Jankelowicz' */
	else if (dm_vowel(st, cur - 1) && !st->slavo_germanic &&
			 (dm_at(st, cur + 1) == 'A' || dm_at(st, cur + 1) == 'O'))
		dm_add2(st, "J", "H");	/* Spanish 'bajador' */
	else if (cur == st->last)
		dm_add2(st, "J", "");
	else if (!dm_is(st, cur + 1, "L,T,K,S,N,M,B,Z") &&
			 !dm_is(st, cur - 1, "S,K,L"))
		dm_add(st, "J");
	return dm_at(st, cur + 1) == 'J' ? 2 : 1;
}

static int
dm_rule_s(DMState *st, int cur)
{
	if (dm_is(st, cur - 1, "ISL,YSL"))	/* 'island', 'carlisle' */
		return 1;
	if (cur == 0 && dm_is(st, cur, "SUGAR"))
	{
		dm_add2(st, "X", "S");
		return 1;
	}
	if (dm_is(st, cur, "SH"))
	{
		/* Germanic */
		if (dm_is(st, cur + 1, "HEIM,HOEK,HOLM,HOLZ"))
			dm_add(st, "S");
		else
			dm_add(st, "X");
		return 2;
	}
	/* Italian and Armenian */
	if (dm_is(st, cur, "SIO,SIA") || dm_is(st, cur, "SIAN"))
	{
		if (!st->slavo_germanic)
			dm_add2(st, "S", "X");
		else
			dm_add(st, "S");
		return 3;
	}
	/*
	 * German and anglicised: 'smith' / 'schmidt', 'snider' / 'schneider';
	 * Slavic -SZ-
	 */
	if ((cur == 0 && dm_is(st, cur + 1, "M,N,L,W")) || dm_is(st, cur + 1, "Z"))
	{
		dm_add2(st, "S", "X");
		return dm_is(st, cur + 1, "Z") ? 2 : 1;
	}
	if (dm_is(st, cur, "SC"))
	{
		if (dm_at(st, cur + 2) == 'H')	/* Schlesinger's rule */
		{
			/* Dutch 'school', 'schooner'; 'schermerhorn', 'schenker' */
			if (dm_is(st, cur + 3, "OO,ER,EN,UY,ED,EM"))
			{
				if (dm_is(st, cur + 3, "ER,EN"))
					dm_add2(st, "X", "SK");
				else
					dm_add(st, "SK");
				return 3;
			}
			if (cur == 0 && !dm_vowel(st, 3) && dm_at(st, 3) != 'W')
				dm_add2(st, "X", "S");
			else
				dm_add(st, "X");
			return 3;
		}
		if (dm_is(st, cur + 2, "I,E,Y"))
			dm_add(st, "S");
		else
			dm_add(st, "SK");
		return 3;
	}
	/* French 'resnais', 'artois' */
	if (cur == st->last && dm_is(st, cur - 2, "AI,OI"))
		dm_add2(st, "", "S");
	else
		dm_add(st, "S");
	return dm_is(st, cur + 1, "S,Z") ? 2 : 1;
}

static int
dm_rule_w(DMState *st, int cur)
{
	if (dm_is(st, cur, "WR"))
	{
		dm_add(st, "R");
		return 2;
	}
	if (cur == 0 && (dm_vowel(st, cur + 1) || dm_is(st, cur, "WH")))
	{
		/* 'Wasserman' / 'Vasserman'; 'Uomo' / 'Womo' */
		if (dm_vowel(st, cur + 1))
			dm_add2(st, "A", "F");
		else
			dm_add(st, "A");
	}
	/* 'Arnow' / 'Arnoff' */
	if ((cur == st->last && dm_vowel(st, cur - 1)) ||
		dm_is(st, cur - 1, "EWSKI,EWSKY,OWSKI,OWSKY") ||
		dm_is(st, 0, "SCH"))
	{
		dm_add2(st, "", "F");
		return 1;
	}
	if (dm_is(st, cur, "WICZ,WITZ"))	/* Polish 'filipowicz' */
	{
		dm_add2(st, "TS", "FX");
		return 4;
	}
	return 1;
}

static void
dm_encode(DMState *st)
{
	int			cur = 0;

	st->primary.len = st->alternate.len = 0;
	st->last = st->len - 1;
	st->slavo_germanic = dm_slavo_germanic(st->s, st->len);

	/* silent first letter: GN, KN, PN, WR, PS */
	if (dm_is(st, 0, "GN,KN,PN,WR,PS"))
		cur = 1;
	/* initial X is S: 'Xavier' */
	if (dm_at(st, 0) == 'X')
	{
		dm_add(st, "S");
		cur = 1;
	}

	while ((st->primary.len < DM_CODE_LEN || st->alternate.len < DM_CODE_LEN) &&
		   cur < st->len)
	{
		char		c = st->s[cur];

		switch (c)
		{
			case 'A':
			case 'E':
			case 'I':
			case 'O':
			case 'U':
			case 'Y':
				if (cur == 0)	/* vowels count only at the start */
					dm_add(st, "A");
				cur += 1;
				break;
			case 'B':			/* '-mb' is handled under M */
				dm_add(st, "P");
				cur += (dm_at(st, cur + 1) == 'B') ? 2 : 1;
				break;
			case DM_CEDILLA:
				dm_add(st, "S");
				cur += 1;
				break;
			case 'C':
				cur += dm_rule_c(st, cur);
				break;
			case 'D':
				if (dm_is(st, cur, "DG"))
				{
					if (dm_is(st, cur + 2, "I,E,Y"))
					{
						dm_add(st, "J");	/* 'edge' */
						cur += 3;
					}
					else
					{
						dm_add(st, "TK");	/* 'edgar' */
						cur += 2;
					}
				}
				else if (dm_is(st, cur, "DT,DD"))
				{
					dm_add(st, "T");
					cur += 2;
				}
				else
				{
					dm_add(st, "T");
					cur += 1;
				}
				break;
			case 'F':
				dm_add(st, "F");
				cur += (dm_at(st, cur + 1) == 'F') ? 2 : 1;
				break;
			case 'G':
				cur += dm_rule_g(st, cur);
				break;
			case 'H':
				/* kept only first or between vowels, before a vowel */
				if ((cur == 0 || dm_vowel(st, cur - 1)) && dm_vowel(st, cur + 1))
				{
					dm_add(st, "H");
					cur += 2;
				}
				else
					cur += 1;
				break;
			case 'J':
				cur += dm_rule_j(st, cur);
				break;
			case 'K':
				dm_add(st, "K");
				cur += (dm_at(st, cur + 1) == 'K') ? 2 : 1;
				break;
			case 'L':
				if (dm_at(st, cur + 1) == 'L')
				{
					/* Spanish 'cabrillo', 'gallegos' */
					if ((cur == st->len - 3 && dm_is(st, cur - 1, "ILLO,ILLA,ALLE")) ||
						((dm_is(st, st->last - 1, "AS,OS") || dm_is(st, st->last, "A,O")) &&
						 dm_is(st, cur - 1, "ALLE")))
						dm_add2(st, "L", "");
					else
						dm_add(st, "L");
					cur += 2;
				}
				else
				{
					dm_add(st, "L");
					cur += 1;
				}
				break;
			case 'M':
				dm_add(st, "M");
				/* 'dumb', 'thumb', 'plumber' */
				if ((dm_is(st, cur - 1, "UMB") &&
					 (cur + 1 == st->last || dm_is(st, cur + 2, "ER"))) ||
					dm_at(st, cur + 1) == 'M')
					cur += 2;
				else
					cur += 1;
				break;
			case 'N':
				dm_add(st, "N");
				cur += (dm_at(st, cur + 1) == 'N') ? 2 : 1;
				break;
			case 'P':
				if (dm_at(st, cur + 1) == 'H')
				{
					dm_add(st, "F");
					cur += 2;
				}
				else
				{
					dm_add(st, "P");	/* 'campbell', 'raspberry' */
					cur += dm_is(st, cur + 1, "P,B") ? 2 : 1;
				}
				break;
			case 'Q':
				dm_add(st, "K");
				cur += (dm_at(st, cur + 1) == 'Q') ? 2 : 1;
				break;
			case 'R':
				/* French 'rogier', but not 'hochmeier' */
				if (cur == st->last && !st->slavo_germanic &&
					dm_is(st, cur - 2, "IE") && !dm_is(st, cur - 4, "ME,MA"))
					dm_add2(st, "", "R");
				else
					dm_add(st, "R");
				cur += (dm_at(st, cur + 1) == 'R') ? 2 : 1;
				break;
			case 'S':
				cur += dm_rule_s(st, cur);
				break;
			case 'T':
				if (dm_is(st, cur, "TION") || dm_is(st, cur, "TIA,TCH"))
				{
					dm_add(st, "X");
					cur += 3;
				}
				else if (dm_is(st, cur, "TH") || dm_is(st, cur, "TTH"))
				{
					/* 'thomas', 'thames', or Germanic */
					if (dm_is(st, cur + 2, "OM,AM") ||
						dm_is(st, 0, "VAN ,VON ") || dm_is(st, 0, "SCH"))
						dm_add(st, "T");
					else
						dm_add2(st, "0", "T");
					cur += 2;
				}
				else
				{
					dm_add(st, "T");
					cur += dm_is(st, cur + 1, "T,D") ? 2 : 1;
				}
				break;
			case 'V':
				dm_add(st, "F");
				cur += (dm_at(st, cur + 1) == 'V') ? 2 : 1;
				break;
			case 'W':
				cur += dm_rule_w(st, cur);
				break;
			case 'X':
				/* French 'breaux' */
				if (!(cur == st->last &&
					  (dm_is(st, cur - 3, "IAU,EAU") || dm_is(st, cur - 2, "AU,OU"))))
					dm_add(st, "KS");
				cur += dm_is(st, cur + 1, "C,X") ? 2 : 1;
				break;
			case 'Z':
				if (dm_at(st, cur + 1) == 'H')
				{
					dm_add(st, "J");	/* Chinese pinyin 'zhao' */
					cur += 2;
					break;
				}
				if (dm_is(st, cur + 1, "ZO,ZI,ZA") ||
					(st->slavo_germanic && cur > 0 && dm_at(st, cur - 1) != 'T'))
					dm_add2(st, "S", "TS");
				else
					dm_add(st, "S");
				cur += (dm_at(st, cur + 1) == 'Z') ? 2 : 1;
				break;
			default:
				cur += 1;		/* not a letter: no code */
				break;
		}
	}
	st->primary.s[st->primary.len] = '\0';
	st->alternate.s[st->alternate.len] = '\0';
}

/* Code a text value; primary and alternate get at most 4 characters. */
static void
dm_text(text *t, DMCode *primary, DMCode *alternate)
{
	char		stack[DM_STACK];
	char	   *buf;
	const char *s = VARDATA_ANY(t);
	int			bytelen = VARSIZE_ANY_EXHDR(t);
	const char *utf8 = s;
	DMState		st;

	/* non-ASCII text is read as UTF-8, converted if the server's is not */
	if (!ci_is_ascii(s, bytelen))
	{
		utf8 = (const char *) pg_server_to_any(s, bytelen, PG_UTF8);
		if (utf8 != s)
			bytelen = strlen(utf8);
	}
	buf = (bytelen <= DM_STACK) ? stack : palloc(bytelen);
	st.len = dm_fold(utf8, bytelen, buf);
	st.s = buf;
	dm_encode(&st);
	*primary = st.primary;
	*alternate = st.alternate;
	if (buf != stack)
		pfree(buf);
	if (utf8 != s)
		pfree((void *) utf8);
}

PG_FUNCTION_INFO_V1(match_sql_double_metaphone);
PG_FUNCTION_INFO_V1(match_sql_dmetaphone);
PG_FUNCTION_INFO_V1(match_sql_dmetaphone_alt);

Datum
match_sql_double_metaphone(PG_FUNCTION_ARGS)
{
	DMCode		p,
				a;
	Datum		elems[2];

	dm_text(PG_GETARG_TEXT_PP(0), &p, &a);
	elems[0] = PointerGetDatum(cstring_to_text_with_len(p.s, p.len));
	elems[1] = PointerGetDatum(cstring_to_text_with_len(a.s, a.len));
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, 2, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * Memo of dmetaphone (memo.c): name_pair_dm computes each name's code
 * several times per row, and names repeat across rows.
 */
static CiMemo dm_memo = CI_MEMO_INIT(4096, 48, 32);

Datum
match_sql_dmetaphone(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	uint32		hash;
	const char *value;
	int			value_len;
	DMCode		p,
				a;

	if (ci_memo_get(&dm_memo, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &hash, &value, &value_len))
		PG_RETURN_TEXT_P(cstring_to_text_with_len(value, value_len));
	dm_text(t, &p, &a);
	ci_memo_put(&dm_memo, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), hash, p.s, p.len);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(p.s, p.len));
}

Datum
match_sql_dmetaphone_alt(PG_FUNCTION_ARGS)
{
	DMCode		p,
				a;

	dm_text(PG_GETARG_TEXT_PP(0), &p, &a);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(a.s, a.len));
}
