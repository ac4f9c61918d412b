/*
 * phone_shim.cpp — the C ABI over libphonenumber declared in phone_shim.h.
 *
 * Every entry point is a try block with catch (...): no C++ exception can
 * unwind into the C (PostgreSQL) caller.  Nothing here calls PostgreSQL.
 * The PhoneNumberUtil singleton is created by the library on first use and
 * lives until the process exits; it is immutable after construction, so a
 * backend reuses it for every call.
 */
#include "phone_shim.h"
#include "phone_valid.h"

#include <cstring>
#include <exception>
#include <new>
#include <set>
#include <string>

#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::NullLogger;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace
{

PhoneNumberUtil *phone_util = nullptr;

/* Copy s into buf (size bytes); false, leaving buf empty, when it does not fit. */
bool
copy_out(const std::string &s, char *buf, size_t size)
{
	if (s.size() >= size)
	{
		buf[0] = '\0';
		return false;
	}
	std::memcpy(buf, s.data(), s.size());
	buf[s.size()] = '\0';
	return true;
}

void
set_message(char *message, const char *what)
{
	if (message == nullptr)
		return;
	std::strncpy(message, what ? what : "unknown exception", MATCH_PHONE_MESSAGE_SIZE - 1);
	message[MATCH_PHONE_MESSAGE_SIZE - 1] = '\0';
}

/*
 * The status for the exception being handled; call only inside a catch
 * block.  Rethrowing there is local: it never leaves this function.
 */
match_phone_status
current_exception_status(char *message)
{
	try
	{
		throw;
	}
	catch (const std::bad_alloc &)
	{
		return MATCH_PHONE_OUT_OF_MEMORY;
	}
	catch (const std::exception &e)
	{
		set_message(message, e.what());
	}
	catch (...)
	{
		set_message(message, nullptr);
	}
	return MATCH_PHONE_INTERNAL_ERROR;
}

match_phone_parse_error
map_error(PhoneNumberUtil::ErrorType e)
{
	switch (e)
	{
		case PhoneNumberUtil::NO_PARSING_ERROR:
			return MATCH_PHONE_PARSED;
		case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
			return MATCH_PHONE_ERR_INVALID_COUNTRY_CODE;
		case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
			return MATCH_PHONE_ERR_TOO_SHORT_AFTER_IDD;
		case PhoneNumberUtil::TOO_SHORT_NSN:
			return MATCH_PHONE_ERR_TOO_SHORT_NSN;
		case PhoneNumberUtil::TOO_LONG_NSN:
			return MATCH_PHONE_ERR_TOO_LONG;
		case PhoneNumberUtil::NOT_A_NUMBER:
		default:
			return MATCH_PHONE_ERR_NOT_A_NUMBER;
	}
}

match_phone_type
map_type(PhoneNumberUtil::PhoneNumberType t)
{
	switch (t)
	{
		case PhoneNumberUtil::FIXED_LINE:
			return MATCH_PHONE_TYPE_FIXED_LINE;
		case PhoneNumberUtil::MOBILE:
			return MATCH_PHONE_TYPE_MOBILE;
		case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
			return MATCH_PHONE_TYPE_FIXED_LINE_OR_MOBILE;
		case PhoneNumberUtil::TOLL_FREE:
			return MATCH_PHONE_TYPE_TOLL_FREE;
		case PhoneNumberUtil::PREMIUM_RATE:
			return MATCH_PHONE_TYPE_PREMIUM_RATE;
		case PhoneNumberUtil::SHARED_COST:
			return MATCH_PHONE_TYPE_SHARED_COST;
		case PhoneNumberUtil::VOIP:
			return MATCH_PHONE_TYPE_VOIP;
		case PhoneNumberUtil::PERSONAL_NUMBER:
			return MATCH_PHONE_TYPE_PERSONAL_NUMBER;
		case PhoneNumberUtil::PAGER:
			return MATCH_PHONE_TYPE_PAGER;
		case PhoneNumberUtil::UAN:
			return MATCH_PHONE_TYPE_UAN;
		case PhoneNumberUtil::VOICEMAIL:
			return MATCH_PHONE_TYPE_VOICEMAIL;
		case PhoneNumberUtil::UNKNOWN:
		default:
			return MATCH_PHONE_TYPE_UNKNOWN;
	}
}

}								/* namespace */

extern "C" match_phone_status
match_phone_init(char *regions, int max_regions, int *nregions, char *message)
{
	try
	{
		if (phone_util == nullptr)
		{
			PhoneNumberUtil *util = PhoneNumberUtil::GetInstance();

			/* SetLogger takes ownership of the logger. */
			util->SetLogger(new NullLogger());
			phone_util = util;
		}

		std::set<std::string> supported;
		phone_util->GetSupportedRegions(&supported);

		int			n = 0;

		for (const std::string &r : supported)
		{
			if (r.size() != 2 || n >= max_regions)
				continue;
			regions[2 * n] = r[0];
			regions[2 * n + 1] = r[1];
			n++;
		}
		*nregions = n;
		return MATCH_PHONE_OK;
	}
	catch (...)
	{
		return current_exception_status(message);
	}
}

extern "C" match_phone_status
match_phone_parse(const char *input, size_t len, const char *default_region,
				  int details, match_phone_result *result, char *message)
{
	try
	{
		std::memset(result, 0, sizeof(*result));
		result->number_type = MATCH_PHONE_TYPE_UNKNOWN;

		if (phone_util == nullptr)
		{
			set_message(message, "match_phone_init was not called");
			return MATCH_PHONE_INTERNAL_ERROR;
		}

		const std::string text(input, len);
		/* "ZZ" is libphonenumber's "unknown region": international input only. */
		const std::string region(default_region ? default_region : "ZZ");
		PhoneNumber number;

		result->parse_error = map_error(phone_util->Parse(text, region, &number));
		if (result->parse_error != MATCH_PHONE_PARSED)
			return MATCH_PHONE_OK;

		std::string formatted;

		phone_util->Format(number, PhoneNumberUtil::E164, &formatted);
		if (!copy_out(formatted, result->e164, sizeof(result->e164)))
		{
			/* cannot happen for a parsed number (at most 3 + 17 digits) */
			result->parse_error = MATCH_PHONE_ERR_TOO_LONG;
			return MATCH_PHONE_OK;
		}
		/* IsValidNumber, computed without the library's overhead */
		result->valid = ci_phone::is_valid_number(*phone_util, number) ? 1 : 0;

		if (details)
		{
			std::string number_region;

			result->possible = phone_util->IsPossibleNumber(number) ? 1 : 0;
			result->number_type = map_type(phone_util->GetNumberType(number));
			phone_util->GetRegionCodeForNumber(number, &number_region);
			if (number_region == "ZZ" ||
				!copy_out(number_region, result->region, sizeof(result->region)))
				result->region[0] = '\0';
			if (number.has_extension() &&
				!copy_out(number.extension(), result->extension, sizeof(result->extension)))
				result->extension[0] = '\0';
		}
		return MATCH_PHONE_OK;
	}
	catch (...)
	{
		return current_exception_status(message);
	}
}
