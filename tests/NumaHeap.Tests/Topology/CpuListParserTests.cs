using System;
using Xunit;

namespace Numa.Tests.Topology;

public sealed class CpuListParserTests
{
    [Theory]
    [InlineData("0", new[] { 0 })]
    [InlineData("0-3", new[] { 0, 1, 2, 3 })]
    [InlineData("0-3,8-11", new[] { 0, 1, 2, 3, 8, 9, 10, 11 })]
    [InlineData("1,3,5", new[] { 1, 3, 5 })]
    [InlineData("0-1\n", new[] { 0, 1 })]
    [InlineData("5,2-3,2", new[] { 2, 3, 5 })]
    [InlineData("7-7", new[] { 7 })]
    [InlineData("", new int[0])]
    [InlineData("\n", new int[0])]
    public void Parse_ValidLists(string text, int[] expected) => Assert.Equal(expected, CpuListParser.Parse(text));

    [Theory]
    [InlineData("a")]
    [InlineData("0-")]
    [InlineData("-3")]
    [InlineData("3-1")]
    [InlineData("0,,1")]
    [InlineData("0,")]
    [InlineData("0 1")]
    [InlineData("+1")]
    [InlineData("0-7:2")]
    [InlineData("99999999999")]
    [InlineData("0-2000000")]
    public void Parse_MalformedLists_ThrowFormatExceptionQuotingTheText(string text)
    {
        FormatException e = Assert.Throws<FormatException>(() => CpuListParser.Parse(text));
        Assert.Contains($"'{text}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Null_Throws() => Assert.Throws<ArgumentNullException>(() => CpuListParser.Parse(null!));
}
