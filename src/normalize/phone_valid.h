/*
 * phone_valid.h — PhoneNumberUtil::IsValidNumber, without its overhead
 * (C++, used by phone_shim.cpp only).
 *
 * libphonenumber's validity check runs each of a region's number-type
 * patterns through a fresh ICU RegexMatcher (looked up by hashing the
 * pattern text, allocated, freed), runs a second, prefix match whenever the
 * full match fails, and for a country calling code shared by several
 * regions (+1, +44, +61 …) checks the winning region twice.  It was about
 * 40 % of the cost of ci.normalize_phone.  This is the same decision, step
 * for step, over the same compiled-in metadata and the same regex engine
 * (ICU), with one matcher per pattern compiled on first use and kept.
 *
 * Like the shim, it never calls PostgreSQL; exceptions (std::bad_alloc)
 * propagate to the shim's catch blocks.
 */
#ifndef CI_PHONE_VALID_H
#define CI_PHONE_VALID_H

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

namespace ci_phone
{

/*
 * Exactly util.IsValidNumber(number).  Falls back to that call when the
 * compiled-in metadata cannot be read (a libphonenumber build that does
 * not export it) or one of its patterns does not compile.
 */
bool		is_valid_number(const i18n::phonenumbers::PhoneNumberUtil &util,
							const i18n::phonenumbers::PhoneNumber &number);

}								/* namespace ci_phone */

#endif							/* CI_PHONE_VALID_H */
