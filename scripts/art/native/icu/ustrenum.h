// libcore's ICU natives wrap a UEnumeration in ICU's internal UStringEnumeration class.
// Debian's libicuuc exports the class but libicu-dev ships no header for it, so this
// declares it (the declaration must match ICU 72's class for the exported symbols to link).
#pragma once
#include <unicode/strenum.h>
#include <unicode/uenum.h>

U_NAMESPACE_BEGIN
class U_COMMON_API UStringEnumeration : public StringEnumeration {
 public:
  UStringEnumeration(UEnumeration* uenum);
  virtual ~UStringEnumeration();
  virtual int32_t count(UErrorCode& status) const override;
  virtual const char* next(int32_t* resultLength, UErrorCode& status) override;
  virtual const UnicodeString* snext(UErrorCode& status) override;
  virtual void reset(UErrorCode& status) override;
  virtual UClassID getDynamicClassID() const override;
  static UClassID U_EXPORT2 getStaticClassID();
  static UStringEnumeration* U_EXPORT2 fromUEnumeration(UEnumeration* enumToAdopt, UErrorCode& status);

 private:
  UEnumeration* uenum;
};
U_NAMESPACE_END
