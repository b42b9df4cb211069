// Two builds of one program (scripts/fuzz):
// - normally, `mirror-fuzz TARGET FILE…` runs each file through a harness once: the corpus and every crash found
//   so far stay regression tests (FuzzCorpusTests);
// - with `-D FUZZING -sanitize=fuzzer,address`, libFuzzer's driver runs the harness named by MIRROR_FUZZ_TARGET on
//   the inputs it generates.
import Foundation

#if FUZZING
    let fuzzTarget: Harness = {
        let name = ProcessInfo.processInfo.environment["MIRROR_FUZZ_TARGET"] ?? ""
        guard let harness = Harness(rawValue: name) else {
            fatalError("set MIRROR_FUZZ_TARGET to one of \(Harness.allCases.map(\.rawValue))")
        }
        return harness
    }()

    /// libFuzzer's entry for programs that have their own `main` (compiler-rt's FuzzerInterface.h).
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// The package manager links an executable's `main` to `<module>_main`, so that is where libFuzzer starts.
    @_cdecl("mirror_fuzz_main")
    func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
        var count = argc
        var arguments = argv
        return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
            fuzzTarget.run(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
    }
#else
    @main
    enum ReplayCorpus {
        static func main() {
            let arguments = CommandLine.arguments.dropFirst()
            guard let name = arguments.first, let harness = Harness(rawValue: name) else {
                FileHandle.standardError.write(
                    Data("usage: mirror-fuzz \(Harness.allCases.map(\.rawValue).joined(separator: "|")) FILE…\n".utf8))
                exit(64)
            }
            var count = 0
            for path in arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: path) else {
                    FileHandle.standardError.write(Data("mirror-fuzz: cannot read \(path)\n".utf8))
                    exit(66)
                }
                data.withUnsafeBytes { harness.run($0) }
                count += 1
            }
            print("\(name): \(count) inputs, no crash")
        }
    }
#endif
