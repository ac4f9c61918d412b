/*
 * phone_valid.cpp — see phone_valid.h.
 *
 * libphonenumber 8.x decides validity so (phonenumberutil.cc):
 *   IsValidNumber(n)          = IsValidNumberForRegion(n, GetRegionCodeForNumber(n))
 *   GetRegionCodeForNumber(n) = the only region of n's calling code; or, when
 *       several share it, the first in the library's order whose
 *       leading_digits pattern matches a prefix of the national significant
 *       number (NSN), or, for a region without leading_digits, whose number
 *       type is known; else none (invalid)
 *   IsValidNumberForRegion    = the region's metadata exists and has n's
 *       calling code, and GetNumberTypeHelper(NSN) != UNKNOWN
 *   number type known         = the general description matches and one of
 *       premium rate, toll free, shared cost, VoIP, personal number, pager,
 *       UAN, voicemail, fixed line, mobile (not when mobile's pattern is the
 *       fixed line's) matches
 *   a description matches     = its possible lengths (when listed) include
 *       the NSN's length, and its national_number_pattern matches the whole
 *       NSN (a failed full match is followed by a prefix match whose result
 *       is ignored when a prefix is not allowed, as here: skipped)
 * A region found through "type known" is therefore valid without checking
 * again.  Patterns are ICU regular expressions compiled with no flags, as
 * libphonenumber's ICU back end compiles them; the metadata is the
 * library's own compiled-in copy (the blob PhoneNumberUtil loads).
 */
#include "phone_valid.h"

#include <algorithm>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <phonenumbers/phonemetadata.pb.h>
#include <unicode/regex.h>
#include <unicode/unistr.h>

/*
 * The compiled-in metadata, as PhoneNumberUtil loads it.  Declared weak: a
 * build of the library that does not export them leaves them null, and the
 * library's own check is used.
 */
namespace i18n
{
namespace phonenumbers
{
int			metadata_size() __attribute__((weak));
const void *metadata_get() __attribute__((weak));
}
}

using i18n::phonenumbers::PhoneMetadata;
using i18n::phonenumbers::PhoneMetadataCollection;
using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberDesc;
using i18n::phonenumbers::PhoneNumberUtil;

namespace
{

struct Desc
{
	std::vector<int> lengths;	/* empty: any length */
	std::unique_ptr<icu::RegexMatcher> pattern;
};

/* One region's (or non-geographic calling code's) compiled patterns. */
struct Region
{
	const PhoneMetadata *metadata = nullptr;
	bool		compiled = false;
	Desc		general;
	std::vector<Desc> types;
	std::unique_ptr<icu::RegexMatcher> leading_digits;	/* null: none */
};

enum class State
{
	UNTRIED, READY, UNUSABLE
};

State		state = State::UNTRIED;
PhoneMetadataCollection *collection = nullptr;	/* lives until exit */
std::map<std::string, Region> *by_region = nullptr;	/* "AU" → … */
std::map<int, Region> *non_geographic = nullptr;	/* 800 → … ("001") */
icu::UnicodeString *nsn_text = nullptr;	/* the matchers' current input */

bool
load_metadata()
{
	if (i18n::phonenumbers::metadata_get == nullptr ||
		i18n::phonenumbers::metadata_size == nullptr)
		return false;

	std::unique_ptr<PhoneMetadataCollection> c(new PhoneMetadataCollection());

	if (!c->ParseFromArray(i18n::phonenumbers::metadata_get(),
						   i18n::phonenumbers::metadata_size()))
		return false;

	std::unique_ptr<std::map<std::string, Region>> regions(new std::map<std::string, Region>());
	std::unique_ptr<std::map<int, Region>> non_geo(new std::map<int, Region>());

	for (const PhoneMetadata &m : c->metadata())
	{
		if (m.id() == "001")
			(*non_geo)[m.country_code()].metadata = &m;
		else
			(*regions)[m.id()].metadata = &m;
	}
	nsn_text = new icu::UnicodeString();
	collection = c.release();
	by_region = regions.release();
	non_geographic = non_geo.release();
	return true;
}

bool
compile(const std::string &pattern, std::unique_ptr<icu::RegexMatcher> *out)
{
	UErrorCode	status = U_ZERO_ERROR;
	std::unique_ptr<icu::RegexMatcher> m(
		new icu::RegexMatcher(icu::UnicodeString::fromUTF8(pattern), 0, status));

	if (U_FAILURE(status))
		return false;
	*out = std::move(m);
	return true;
}

bool
compile_desc(const PhoneNumberDesc &d, Desc *out)
{
	out->lengths.assign(d.possible_length().begin(), d.possible_length().end());
	return compile(d.national_number_pattern(), &out->pattern);
}

bool
compile_region(Region *r)
{
	const PhoneMetadata &m = *r->metadata;
	const PhoneNumberDesc *types[] = {
		&m.premium_rate(), &m.toll_free(), &m.shared_cost(), &m.voip(),
		&m.personal_number(), &m.pager(), &m.uan(), &m.voicemail(),
		&m.fixed_line(), &m.mobile()
	};
	size_t		ntypes = m.same_mobile_and_fixed_line_pattern() ? 9 : 10;

	if (!compile_desc(m.general_desc(), &r->general))
		return false;
	r->types.resize(ntypes);
	for (size_t i = 0; i < ntypes; i++)
		if (!compile_desc(*types[i], &r->types[i]))
			return false;
	if (m.has_leading_digits() && !compile(m.leading_digits(), &r->leading_digits))
		return false;
	r->compiled = true;
	return true;
}

bool
desc_matches(Desc &d, int length)
{
	UErrorCode	status = U_ZERO_ERROR;

	if (!d.lengths.empty() &&
		std::find(d.lengths.begin(), d.lengths.end(), length) == d.lengths.end())
		return false;
	d.pattern->reset(*nsn_text);
	return d.pattern->matches(status) && U_SUCCESS(status);
}

bool
type_known(Region &r, int length)
{
	if (!desc_matches(r.general, length))
		return false;
	for (Desc &d : r.types)
		if (desc_matches(d, length))
			return true;
	return false;
}

bool
leading_digits_match(Region &r)
{
	UErrorCode	status = U_ZERO_ERROR;

	r.leading_digits->reset(*nsn_text);
	return r.leading_digits->lookingAt(status) && U_SUCCESS(status);
}

/* The region's entry, compiled; null when it has no metadata. */
Region *
region_for(const std::string &code, int country_code, bool *unusable)
{
	Region	   *r = nullptr;

	if (code == "001")
	{
		auto		it = non_geographic->find(country_code);

		if (it != non_geographic->end())
			r = &it->second;
	}
	else
	{
		auto		it = by_region->find(code);

		if (it != by_region->end())
			r = &it->second;
	}
	if (r != nullptr && !r->compiled && !compile_region(r))
	{
		*unusable = true;
		return nullptr;
	}
	return r;
}

/* The decision of the header comment; *unusable when a pattern failed to compile. */
bool
decide(const PhoneNumberUtil &util, const PhoneNumber &number, bool *unusable)
{
	const int	cc = number.country_code();
	std::list<std::string> regions;
	std::string nsn;

	util.GetRegionCodesForCountryCallingCode(cc, &regions);
	if (regions.empty())
		return false;
	util.GetNationalSignificantNumber(number, &nsn);
	*nsn_text = icu::UnicodeString::fromUTF8(nsn);

	const int	length = static_cast<int>(nsn.size());

	if (regions.size() == 1)
	{
		const std::string &code = regions.front();
		Region	   *r = region_for(code, cc, unusable);

		if (r == nullptr || (code != "001" && r->metadata->country_code() != cc))
			return false;
		return type_known(*r, length);
	}
	for (const std::string &code : regions)
	{
		Region	   *r = region_for(code, cc, unusable);

		if (*unusable)
			return false;
		if (r == nullptr)
			continue;
		if (r->leading_digits)
		{
			if (leading_digits_match(*r))
				return r->metadata->country_code() == cc && type_known(*r, length);
		}
		else if (type_known(*r, length))
			return r->metadata->country_code() == cc;
	}
	return false;
}

}								/* namespace */

bool
ci_phone::is_valid_number(const PhoneNumberUtil &util, const PhoneNumber &number)
{
	if (state == State::UNTRIED)
		state = load_metadata() ? State::READY : State::UNUSABLE;
	if (state == State::READY)
	{
		bool		unusable = false;
		bool		valid = decide(util, number, &unusable);

		if (!unusable)
			return valid;
		state = State::UNUSABLE;
	}
	return util.IsValidNumber(number);
}
