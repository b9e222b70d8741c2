// Reads every cell of every sheet of the workbooks given and prints the
// time taken, cells read and peak RSS. Build in release:
//   swift build -c release --product WorkbookBench
//   .build/release/WorkbookBench /tmp/wb100k.xlsx [repeats]
import XLSXReader

#if canImport(Glibc)
import Glibc
#endif

func f3(_ v: Double) -> String {
    let ms = Int((v * 1000).rounded())
    let frac = String(ms % 1000)
    return "\(ms / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
}

/// CPU time (user + system) of this process so far: robust when the
/// machine is shared.
func cpu() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

// --raw: the ingest's raw rows (byte ranges, no String per cell) instead
// of the public String rows.
let raw = CommandLine.arguments.contains("--raw")
let args = CommandLine.arguments.dropFirst().filter { $0 != "--raw" }
guard let path = args.first else {
    print("usage: WorkbookBench [--raw] FILE.xlsx [repeats] [shared string memory bytes]")
    exit(2)
}
let repeats = args.dropFirst().first.flatMap { Int($0) } ?? 3
// Optional third argument: ReaderLimits.sharedStringMemoryBytes.
var limits = ReaderLimits()
if let memory = args.dropFirst(2).first.flatMap({ Int($0) }) { limits.sharedStringMemoryBytes = memory }
var times: [Double] = []
var cpuTimes: [Double] = []
for _ in 0..<repeats {
    let start = now()
    let startCPU = cpu()
    do {
        let reader = try WorkbookReader(path: path, limits: limits)
        let opened = now()
        var rows = 0, cells = 0, numbers = 0, texts = 0
        for sheet in reader.sheets where raw {
            try reader.readRawRows(of: sheet) { row in
                rows += 1
                cells += row.cells.count
                for cell in row.cells {
                    switch cell.type {
                    case .number: numbers += 1
                    case .text, .shared: texts += 1
                    default: break
                    }
                }
            }
        }
        for sheet in reader.sheets where !raw {
            try reader.readRows(of: sheet) { row in
                rows += 1
                cells += row.cells.count
                for cell in row.cells {
                    switch cell.value {
                    case .number: numbers += 1
                    case .text: texts += 1
                    default: break
                    }
                }
            }
        }
        let done = now()
        times.append(done - start)
        cpuTimes.append(cpu() - startCPU)
        print("open \(f3(opened - start)) s (\(reader.sharedStringCount) shared strings\(reader.sharedStringsSpilled ? ", spilled, \(reader.sharedStringBlockReads) block reads" : "")), rows \(f3(done - opened)) s, "
            + "total \(f3(done - start)) s (cpu \(f3(cpuTimes.last!)) s): \(rows) rows, \(cells) cells (\(numbers) numbers, \(texts) texts)")
    } catch {
        print("error: \(error)")
        exit(1)
    }
}
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
times.sort()
cpuTimes.sort()
print("median \(f3(times[times.count / 2])) s wall, \(f3(cpuTimes[cpuTimes.count / 2])) s cpu, peak RSS \(usage.ru_maxrss / 1024) MiB")
