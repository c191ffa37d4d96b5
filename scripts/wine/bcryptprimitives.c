/*
 * A bcryptprimitives.dll for Wine 8.0, which lacks it: Go 1.22 and later
 * take their random numbers from ProcessPrng in that DLL (Windows 10's
 * random source), and a Go program under Wine 8.0 dies at start without
 * it. This one answers from RtlGenRandom (advapi32's SystemFunction036).
 * Only scripts/wine-test.sh uses it, to run the windows/amd64 tests.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG n = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        length -= n;
    }
    return TRUE;
}
