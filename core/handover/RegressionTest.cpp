#include "core/handover/RegressionTest.h"

#include "core/handover/HandoverNames.h"
#include "core/heap/LeakSuspects.h"
#include "core/incident/IncidentDocument.h"
#include "core/prometheus/QueryCatalogue.h"

#include <algorithm>
#include <array>

namespace leakdesk::handover {

namespace {

bool endsWith(std::string_view s, std::string_view suffix)
{
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool containsAny(std::string_view s, std::initializer_list<std::string_view> words)
{
    return std::any_of(words.begin(), words.end(), [&](std::string_view w) { return s.find(w) != s.npos; });
}

std::optional<Runtime> runtimeOfDumpFile(std::string_view path)
{
    if (endsWith(path, ".hprof") || endsWith(path, ".hprof.gz"))
        return Runtime::Jvm;
    if (endsWith(path, ".heapsnapshot") || endsWith(path, ".heapsnapshot.gz"))
        return Runtime::Node;
    if (endsWith(path, ".pprof") || endsWith(path, ".pb.gz") || containsAny(path, { "pprof" }))
        return Runtime::Go;
    return std::nullopt;
}

std::optional<Runtime> runtimeOfImage(std::string_view image)
{
    // The repository part only: a tag such as ":node-20" must not decide.
    const std::string_view repo = image.substr(0,
        std::min(image.find('@'),
            image.rfind(':') == image.npos || image.rfind(':') < image.rfind('/') ? image.size() : image.rfind(':')));
    if (containsAny(repo, { "openjdk", "temurin", "corretto", "zulu", "/jre", "/jdk", "java", "jvm", "graalvm" }))
        return Runtime::Jvm;
    if (containsAny(repo, { "/node", "node:", "nodejs" }) || repo == "node")
        return Runtime::Node;
    if (containsAny(repo, { "golang", "/go-", "-go" }))
        return Runtime::Go;
    return std::nullopt;
}

bool looksLikeJavaClass(std::string_view name)
{
    return name.starts_with("java.") || name.starts_with("javax.") || name.starts_with("jdk.") || name.starts_with("[L")
        || name.find("$") != name.npos;
}

// A line comment's text in the generated source, never able to end the comment.
std::string said(std::string_view text)
{
    return sourceSafeText(text);
}

std::string sizeText(std::uint64_t bytes)
{
    return heap::formatBytes(bytes);
}

struct Names {
    std::string testClass; // CheckoutSessionCacheLeakRegressionTest
    std::string holder; // what to exercise, as said
    std::string fileStem;
};

// The class that holds the suspect, when the owner says ("static ENTRIES of class
// LeakyService$SessionCache" -> "SessionCache"): it names the test better than "HashMap".
std::string holderClass(const RegressionSubject& s)
{
    const std::string marker = "of class ";
    if (auto at = s.owner.rfind(marker); at != std::string::npos) {
        std::string rest = s.owner.substr(at + marker.size());
        rest = rest.substr(0, rest.find(' '));
        if (!simpleClassName(rest).empty())
            return simpleClassName(rest);
    }
    return simpleClassName(s.className);
}

Names namesOf(const RegressionSubject& s)
{
    Names n;
    const std::string simple = holderClass(s);
    n.testClass = upperCamel(s.workload, "Service") + upperCamel(simple, "Heap") + "LeakRegressionTest";
    n.holder = s.owner.empty() ? s.className : s.owner;
    n.fileStem = fileStem(s.workload, "service") + "-" + fileStem(simple, "heap");
    return n;
}

std::string headerLines(const RegressionSubject& s, const char* comment)
{
    const std::string c = comment;
    std::string out = c + " Memory regression test written by LeakDesk from incident " + said(s.incidentId) + ".\n";
    out += c + " Workload " + said(s.ns) + "/" + said(s.workload)
        + (s.container.empty() ? std::string() : ", container " + said(s.container)) + ".\n";
    out += c + " Leak suspect (" + said(s.category) + "): " + said(s.className) + "\n";
    out += c + "   held by: " + said(s.owner) + "\n";
    if (s.retainedBytes)
        out += c + "   retained " + sizeText(s.retainedBytes) + " in the heap dump"
            + (s.elementCount ? ", " + std::to_string(s.elementCount) + " elements" : std::string())
            + (s.elementClass.empty() ? std::string() : " of " + said(s.elementClass)) + ".\n";
    out += c + " Replace the placeholder between the " + std::string(kPlaceholderBegin) + "/"
        + std::string(kPlaceholderEnd) + " lines with one call of the code path that adds to the holder\n";
    out += c + " (one request, one session, one listener registration...). The test calls it "
        + std::to_string(kIterations) + " times\n" + c
        + " after a warm-up, forces a GC and fails when the heap grew by more than " + sizeText(kMaxGrowthBytes)
        + ".\n";
    return out;
}

GeneratedFile junit(const RegressionSubject& s)
{
    const Names n = namesOf(s);
    const std::string placeholder = "LeakDesk placeholder: call the code path that adds to " + n.holder;
    std::string j = headerLines(s, "//");
    j += R"(
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

public class )"
        + n.testClass + R"( {
    private static final int WARM_UP = 1000;
    private static final int ITERATIONS = )"
        + std::to_string(kIterations) + R"(;
    private static final long MAX_GROWTH_BYTES = )"
        + std::to_string(kMaxGrowthBytes) + R"(L;
    private static final String HOLDER = )"
        + sourceStringLiteral(n.holder, 160) + R"(;

    // One call of the suspect's code path.
    private void exercise(int i) throws Exception {
        // )"
        + std::string(kPlaceholderBegin) + R"(
        throw new UnsupportedOperationException()"
        + sourceStringLiteral(placeholder, 240) + R"();
        // )"
        + std::string(kPlaceholderEnd) + R"(
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        Runtime runtime = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, runtime.totalMemory() - runtime.freeMemory());
        }
        return used;
    }

    @Test
    void heapStaysBoundedWhenThePathRunsRepeatedly() throws Exception {
        for (int i = 0; i < WARM_UP; i++) {
            exercise(i);
        }
        long before = usedHeapAfterGc();
        for (int i = 0; i < ITERATIONS; i++) {
            exercise(WARM_UP + i);
        }
        long growth = usedHeapAfterGc() - before;
        assertTrue(growth <= MAX_GROWTH_BYTES, "the heap grew by " + growth + " bytes over " + ITERATIONS
            + " calls (at most " + MAX_GROWTH_BYTES + " allowed); does " + HOLDER + " still accumulate?");
    }
}
)";
    return { n.testClass + ".java", "regression-test", "JUnit 5 regression test for " + s.className, j };
}

GeneratedFile nodeTest(const RegressionSubject& s)
{
    const Names n = namesOf(s);
    const std::string placeholder = "LeakDesk placeholder: call the code path that adds to " + n.holder;
    std::string t = headerLines(s, "//");
    t += R"(
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const v8 = require('node:v8');
const vm = require('node:vm');

// A GC on demand without --expose-gc on the command line.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const WARM_UP = 1000;
const ITERATIONS = )"
        + std::to_string(kIterations) + R"(;
const MAX_GROWTH_BYTES = )"
        + std::to_string(kMaxGrowthBytes) + R"(;

// One call of the suspect's code path.
async function exercise(i) {
  // )" + std::string(kPlaceholderBegin)
        + R"(
  throw new Error()"
        + sourceStringLiteral(placeholder, 240) + R"();
  // )" + std::string(kPlaceholderEnd)
        + R"(
}

function usedHeapAfterGc() {
  let used = Infinity;
  for (let i = 0; i < 5; i++) {
    gc();
    used = Math.min(used, process.memoryUsage().heapUsed);
  }
  return used;
}

test('heap stays bounded when the path runs repeatedly', async () => {
  for (let i = 0; i < WARM_UP; i++) await exercise(i);
  const before = usedHeapAfterGc();
  for (let i = 0; i < ITERATIONS; i++) await exercise(WARM_UP + i);
  const growth = usedHeapAfterGc() - before;
  assert.ok(growth <= MAX_GROWTH_BYTES,
    `the heap grew by ${growth} bytes over ${ITERATIONS} calls (at most ${MAX_GROWTH_BYTES} allowed)`);
});
)";
    return { n.fileStem + ".memory-regression.test.js", "regression-test",
        "node:test regression test for " + s.className, t };
}

GeneratedFile goTest(const RegressionSubject& s)
{
    const Names n = namesOf(s);
    const std::string placeholder = "LeakDesk placeholder: call the code path that adds to " + n.holder;
    const std::string fn
        = "Test" + upperCamel(s.workload, "Service") + upperCamel(holderClass(s), "Heap") + "HeapStaysBounded";
    std::string g = headerLines(s, "//");
    g += "\npackage " + goPackageName(s.workload) + R"(

import (
	"runtime"
	"testing"
)

const (
	warmUp         = 1000
	iterations     = )"
        + std::to_string(kIterations) + R"(
	maxGrowthBytes = )"
        + std::to_string(kMaxGrowthBytes) + R"(
)

// exercise makes one call of the suspect's code path.
func exercise(t *testing.T, i int) {
	t.Helper()
	// )"
        + std::string(kPlaceholderBegin) + R"(
	t.Fatalf("%s, call %d", )"
        + sourceStringLiteral(placeholder, 240) + R"(, i)
	// )"
        + std::string(kPlaceholderEnd) + R"(
}

func heapInUseAfterGC() uint64 {
	var stats runtime.MemStats
	var used uint64 = ^uint64(0)
	for i := 0; i < 5; i++ {
		runtime.GC()
		runtime.ReadMemStats(&stats)
		if stats.HeapAlloc < used {
			used = stats.HeapAlloc
		}
	}
	return used
}

func )" + fn
        + R"((t *testing.T) {
	for i := 0; i < warmUp; i++ {
		exercise(t, i)
	}
	before := heapInUseAfterGC()
	for i := 0; i < iterations; i++ {
		exercise(t, warmUp+i)
	}
	after := heapInUseAfterGC()
	if after > before && after-before > maxGrowthBytes {
		t.Fatalf("the heap grew by %d bytes over %d calls, at most %d allowed", after-before, iterations, maxGrowthBytes)
	}
}
)";
    std::string goFile = fileStem(s.workload, "service") + "_" + fileStem(holderClass(s), "heap") + "_memory_test.go";
    for (char& c : goFile)
        if (c == '-')
            c = '_';
    return { goFile, "regression-test", "Go testing regression test for " + s.className, g };
}

} // namespace

const char* runtimeName(Runtime runtime)
{
    switch (runtime) {
    case Runtime::Jvm:
        return "jvm";
    case Runtime::Node:
        return "node";
    case Runtime::Go:
        return "go";
    }
    return "jvm";
}

std::optional<Runtime> runtimeFromName(std::string_view name)
{
    for (Runtime r : { Runtime::Jvm, Runtime::Node, Runtime::Go })
        if (name == runtimeName(r))
            return r;
    if (name == "java")
        return Runtime::Jvm;
    if (name == "nodejs")
        return Runtime::Node;
    return std::nullopt;
}

RuntimeGuess detectRuntime(const incident::IncidentDocument& doc)
{
    for (auto it = doc.heapDumps.rbegin(); it != doc.heapDumps.rend(); ++it)
        if (auto r = runtimeOfDumpFile(it->path))
            return { r, "heap dump " + it->id + " (" + it->path + ") is a " + runtimeName(*r) + " heap file" };
    for (const auto& a : doc.actions)
        if (a.kind == "heap-capture" && a.state == incident::ActionState::Applied)
            return { Runtime::Jvm, "action " + a.id + " captured a JVM heap dump (jcmd) from " + a.target };
    const std::string jvmHeap = prometheus::queryKindName(prometheus::QueryKind::JvmHeapUsed);
    for (const auto& s : doc.snapshots)
        for (const auto& series : s.series)
            if (series.query == jvmHeap && !series.samples.empty())
                return { Runtime::Jvm, "snapshot " + s.id + " has JVM heap series of " + s.service };
    for (const auto& s : doc.snapshots)
        for (const auto& image : s.images)
            if (auto r = runtimeOfImage(image))
                return { r, "image " + image + " of " + s.service };
    for (const auto& h : doc.heapDumps)
        for (const auto& x : h.suspects)
            if (looksLikeJavaClass(x.className))
                return { Runtime::Jvm, "suspect class " + x.className + " is a Java class" };
    return {};
}

GeneratedFile regressionTestFor(Runtime runtime, const RegressionSubject& subject)
{
    switch (runtime) {
    case Runtime::Jvm:
        return junit(subject);
    case Runtime::Node:
        return nodeTest(subject);
    case Runtime::Go:
        return goTest(subject);
    }
    return junit(subject);
}

} // namespace leakdesk::handover
