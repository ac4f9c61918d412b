/*
 * phone_shim.h — a plain C interface to libphonenumber (C++).
 *
 * The shim (phone_shim.cpp) is the only code that touches libphonenumber.
 * Its contract, relied on by normalize_phone.c:
 *   - no C++ exception ever leaves an entry point (each catches everything
 *     and returns a status);
 *   - it never calls PostgreSQL (no palloc, no ereport, no elog), so no
 *     PostgreSQL longjmp can cross a C++ frame: the C caller turns statuses
 *     into ereport only after the shim has returned;
 *   - results go into caller-provided fixed-size buffers;
 *   - libphonenumber's logger is replaced by a null logger (it would write
 *     to the server's stderr otherwise).
 * This header is includable from C and C++ and includes nothing of
 * PostgreSQL.
 */
#ifndef MATCH_PHONE_SHIM_H
#define MATCH_PHONE_SHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C"
{
#endif

/*
 * Longest input, in bytes, handed to the parser.  libphonenumber itself
 * refuses longer strings (its kMaxInputStringLength); callers treat longer
 * input as "not a number" without calling the shim.
 */
#define MATCH_PHONE_MAX_INPUT_BYTES		250

/* Buffer sizes, terminator included. */
#define MATCH_PHONE_E164_SIZE			24	/* '+', at most 3 + 17 digits */
#define MATCH_PHONE_REGION_SIZE			4	/* "AU", or "001" for non-geographic */
#define MATCH_PHONE_EXTENSION_SIZE		32	/* libphonenumber caps them at 20 digits */
#define MATCH_PHONE_MESSAGE_SIZE		128

/* Outcome of a shim call. */
typedef enum match_phone_status
{
	MATCH_PHONE_OK = 0,
	MATCH_PHONE_OUT_OF_MEMORY,	/* std::bad_alloc was caught */
	MATCH_PHONE_INTERNAL_ERROR	/* any other exception; message filled in */
} match_phone_status;

/* Why the parser refused the input (libphonenumber's ErrorType). */
typedef enum match_phone_parse_error
{
	MATCH_PHONE_PARSED = 0,
	MATCH_PHONE_ERR_INVALID_COUNTRY_CODE,
	MATCH_PHONE_ERR_NOT_A_NUMBER,
	MATCH_PHONE_ERR_TOO_SHORT_AFTER_IDD,
	MATCH_PHONE_ERR_TOO_SHORT_NSN,
	MATCH_PHONE_ERR_TOO_LONG
} match_phone_parse_error;

/* libphonenumber's PhoneNumberType, renumbered so C does not depend on it. */
typedef enum match_phone_type
{
	MATCH_PHONE_TYPE_FIXED_LINE = 0,
	MATCH_PHONE_TYPE_MOBILE,
	MATCH_PHONE_TYPE_FIXED_LINE_OR_MOBILE,
	MATCH_PHONE_TYPE_TOLL_FREE,
	MATCH_PHONE_TYPE_PREMIUM_RATE,
	MATCH_PHONE_TYPE_SHARED_COST,
	MATCH_PHONE_TYPE_VOIP,
	MATCH_PHONE_TYPE_PERSONAL_NUMBER,
	MATCH_PHONE_TYPE_PAGER,
	MATCH_PHONE_TYPE_UAN,
	MATCH_PHONE_TYPE_VOICEMAIL,
	MATCH_PHONE_TYPE_UNKNOWN
} match_phone_type;

/* What one parse tells; strings are NUL-terminated, empty when absent. */
typedef struct match_phone_result
{
	match_phone_parse_error parse_error;	/* MATCH_PHONE_PARSED or why not */
	int			valid;			/* IsValidNumber */
	int			possible;		/* IsPossibleNumber */
	match_phone_type number_type;	/* filled when details were asked for */
	char		e164[MATCH_PHONE_E164_SIZE];	/* of the parsed number, valid or not */
	char		region[MATCH_PHONE_REGION_SIZE];	/* "" when libphonenumber says ZZ */
	char		extension[MATCH_PHONE_EXTENSION_SIZE];
} match_phone_result;

/*
 * Load libphonenumber's metadata (first call of PhoneNumberUtil::GetInstance)
 * and silence its logger.  Copies the supported region codes, two upper-case
 * letters each, sorted, into regions (2 * max_regions bytes, no separators)
 * and their number into *nregions.  Call once; later calls repeat the copy.
 * message (MATCH_PHONE_MESSAGE_SIZE bytes) receives the exception text on
 * MATCH_PHONE_INTERNAL_ERROR.
 */
extern match_phone_status match_phone_init(char *regions, int max_regions,
										   int *nregions, char *message);

/*
 * Parse input (UTF-8, len bytes, at most MATCH_PHONE_MAX_INPUT_BYTES; need
 * not be NUL-terminated) with default_region (two upper-case letters, or
 * NULL when only international "+..." input is acceptable).  On
 * MATCH_PHONE_OK, *result says whether and how it parsed; with details = 0
 * only parse_error, valid and e164 are filled (the cheap path of
 * normalize_phone).  match_phone_init must have succeeded first.
 */
extern match_phone_status match_phone_parse(const char *input, size_t len,
											const char *default_region,
											int details,
											match_phone_result *result,
											char *message);

#ifdef __cplusplus
}
#endif

#endif							/* MATCH_PHONE_SHIM_H */
