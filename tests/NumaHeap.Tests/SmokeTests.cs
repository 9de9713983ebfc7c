using Xunit;

namespace Numa.Tests;

public sealed class SmokeTests
{
    [Fact]
    public void Placement_OnNode_RejectsNegativeNode() =>
        Assert.Throws<System.ArgumentOutOfRangeException>(() => NumaPlacement.OnNode(-1));
}
