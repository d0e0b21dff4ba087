// Writes the seed corpus (run by hand when SampleHeap.h changes):
//   c++ -std=c++20 -I../../unit/heap -I../../../core make-corpus.cpp -o /tmp/make-corpus && /tmp/make-corpus corpus
#include "SampleHeap.h"

#include <fstream>
#include <string>

using namespace leakdesk::heap::test;

int main(int argc, char** argv)
{
    const std::string dir = argc > 1 ? argv[1] : "corpus";
    auto write = [&](const std::string& name, const std::vector<std::uint8_t>& bytes) {
        std::ofstream out(dir + "/" + name, std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    };
    write("sample-id8.bin", buildSampleDump(8, 4).bytes);
    write("sample-id8-uncompressed-oops.bin", buildSampleDump(8, 8).bytes);
    write("sample-id4.bin", buildSampleDump(4, 4).bytes);
    write("sample-heap-dump-1.0.1.bin", buildSampleDump(8, 4, true).bytes);
    auto cut = buildSampleDump(8, 4).bytes;
    cut.resize(cut.size() * 3 / 4);
    write("sample-truncated.bin", cut);
    return 0;
}
