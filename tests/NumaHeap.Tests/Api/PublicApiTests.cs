using System;
using System.IO;
using System.Reflection;
using System.Text;
using Numa.Extensions.ObjectPool;
using Xunit;

namespace Numa.Tests.Api;

/// <summary>
/// The public API of each shipped assembly matches its approved text file, so that every API change
/// is deliberate: it shows up in review as a change of the approved file.
/// </summary>
public sealed class PublicApiTests
{
    private const string ApproveVariable = "NUMAHEAP_APPROVE_API";

    [Fact]
    public void NumaHeap_PublicApi_MatchesTheApprovedFile() => Verify(typeof(NumaHeap).Assembly);

    [Fact]
    public void NumaHeapExtensionsObjectPool_PublicApi_MatchesTheApprovedFile() => Verify(typeof(NumaObjectPoolProvider).Assembly);

    [Fact]
    public void NumaHeapAspNetCore_PublicApi_MatchesTheApprovedFile() => Verify(typeof(global::Numa.AspNetCore.NumaPinnedMemoryPool).Assembly);

    [Fact]
    public void Diff_ShowsRemovedAndAddedLines_InOrder()
    {
        string diff = Diff(["a", "b", "c"], ["a", "x", "c", "d"]);
        Assert.Equal("  a\n- b\n+ x\n  c\n+ d\n", diff);
    }

    private static void Verify(Assembly assembly)
    {
        string name = assembly.GetName().Name!;
        string actual = PublicApiWriter.Write(assembly);
        string sourceDirectory = SourceDirectory();
        string approvedPath = Path.Combine(sourceDirectory, name + ".approved.txt");
        string receivedPath = Path.Combine(sourceDirectory, name + ".received.txt");

        if (Environment.GetEnvironmentVariable(ApproveVariable) == "1")
        {
            File.WriteAllText(approvedPath, actual);
            File.Delete(receivedPath);
            return;
        }

        string approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : "";
        if (approved == actual)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, actual);
        Assert.Fail(
            $"The public API of {name} differs from {approvedPath} ('-' approved, '+' now):\n\n" +
            Diff(approved.Split('\n', StringSplitOptions.RemoveEmptyEntries), actual.Split('\n', StringSplitOptions.RemoveEmptyEntries), changesOnly: true) +
            $"\nThe API now is in {receivedPath}. If the change is intended, approve it with\n" +
            $"  {ApproveVariable}=1 dotnet test tests/NumaHeap.Tests -c Release --filter FullyQualifiedName~PublicApiTests\n" +
            $"(or copy the .received.txt file over the .approved.txt file) and commit the approved file.");
    }

    // A line diff by longest common subsequence; the files are a few hundred lines.
    private static string Diff(string[] before, string[] after, bool changesOnly = false)
    {
        var common = new int[before.Length + 1, after.Length + 1];
        for (int i = before.Length - 1; i >= 0; i--)
        {
            for (int j = after.Length - 1; j >= 0; j--)
            {
                common[i, j] = before[i] == after[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);
            }
        }

        var text = new StringBuilder();
        int x = 0;
        int y = 0;
        while (x < before.Length || y < after.Length)
        {
            if (x < before.Length && y < after.Length && before[x] == after[y])
            {
                if (!changesOnly)
                {
                    text.Append("  ").Append(before[x]).Append('\n');
                }

                x++;
                y++;
            }
            else if (x < before.Length && (y == after.Length || common[x + 1, y] >= common[x, y + 1]))
            {
                text.Append("- ").Append(before[x++]).Append('\n');
            }
            else
            {
                text.Append("+ ").Append(after[y++]).Append('\n');
            }
        }

        return text.ToString();
    }

    // The approved files live next to this test's source: find the repository from the test's output folder.
    private static string SourceDirectory()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, "tests", "NumaHeap.Tests", "Api");
            if (File.Exists(Path.Combine(directory.FullName, "NumaHeap.sln")) && Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"No repository (NumaHeap.sln with tests/NumaHeap.Tests/Api) above {AppContext.BaseDirectory}.");
    }
}
