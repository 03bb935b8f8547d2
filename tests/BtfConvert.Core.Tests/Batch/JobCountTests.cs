using BtfConvert.Core.Batch;

namespace BtfConvert.Core.Tests.Batch;

/// <summary>The default --jobs: the docs/operations.md table, and memory (a container's limit) capping it.</summary>
public sealed class JobCountTests
{
    private const long GiB = 1L << 30;

    [Theory]
    [InlineData(2, 4, false, 2)]    // small VM: two conversions overlap I/O with encoding
    [InlineData(2, 4, true, 2)]
    [InlineData(16, 64, false, 8)]  // half the cores, 2 encoding threads each
    [InlineData(16, 64, true, 8)]
    [InlineData(60, 240, true, 30)] // 30 × ~240 MB/s from S3: the NIC, not the job count, is the limit
    [InlineData(60, 240, false, 30)]
    [InlineData(1, 2, false, 2)]
    [InlineData(256, 1024, true, JobCount.MaxDefault)]
    public void Default_jobs_follow_the_cores(int cores, long memoryGiB, bool usesS3, int expected) =>
        Assert.Equal(expected, JobCount.For(cores, memoryGiB * GiB, usesS3).Jobs);

    [Fact]
    public void Memory_caps_the_default_and_says_so()
    {
        // A 60-core machine in a 4 GiB container: (3 GiB − 50 MiB) / 400 MiB = 7 S3 jobs, 11 local ones.
        var s3 = JobCount.For(60, 4 * GiB, usesS3: true);
        Assert.Equal(7, s3.Jobs);
        Assert.Contains("limited by memory", s3.Reason, StringComparison.Ordinal);
        Assert.Contains("400 MB per S3 job", s3.Reason, StringComparison.Ordinal);
        Assert.Equal(11, JobCount.For(60, 4 * GiB, usesS3: false).Jobs);
        Assert.Contains("limited by cores", JobCount.For(16, 64 * GiB, usesS3: true).Reason, StringComparison.Ordinal);

        // Never zero, even where one job does not fit.
        Assert.Equal(1, JobCount.For(8, 256L << 20, usesS3: true).Jobs);
    }

    [Fact]
    public void This_machine_is_sized_from_the_gc_view_of_memory()
    {
        var chosen = JobCount.ForThisMachine("s3://scans/", "/mnt/tiles");
        Assert.Contains("per S3 job", chosen.Reason, StringComparison.Ordinal);
        Assert.Contains("per local job", JobCount.ForThisMachine("/mnt/scans", "/mnt/tiles").Reason, StringComparison.Ordinal);
        Assert.InRange(chosen.Jobs, 1, JobCount.MaxDefault);
        Assert.Contains($"{Environment.ProcessorCount} cores", chosen.Reason, StringComparison.Ordinal);
    }
}
