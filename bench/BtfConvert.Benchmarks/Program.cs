using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/BtfConvert.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(DownsampleBenchmarks).Assembly).Run(args);
