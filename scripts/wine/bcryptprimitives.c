/*
 * bcryptprimitives.dll for Wine 8, test set-up only (scripts/test-dist.sh).
 *
 * Go 1.22+ Windows binaries take their randomness from ProcessPrng in
 * bcryptprimitives.dll (Windows 10+). Wine 8, Debian 12's, lacks the DLL,
 * so every Go .exe dies at start with "bcryptprimitives.dll not found".
 * This one exports ProcessPrng over RtlGenRandom (advapi32's
 * SystemFunction036), which Wine has. It is copied into the test prefix's
 * system32 and never shipped.
 */
#include <windows.h>
#define SystemFunction036 NTAPI SystemFunction036
#include <ntsecapi.h>
#undef SystemFunction036

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!RtlGenRandom(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
