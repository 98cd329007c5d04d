namespace LapsCsp.SyncML.Reading;

/// <summary>1-based line and column of an offset, counted the way XmlReader counts them (a line ends at LF).</summary>
internal static class TextPosition
{
    public static (int Line, int Column) Of(ReadOnlySpan<char> text, int index)
    {
        var before = text[..Math.Clamp(index, 0, text.Length)];
        int line = 1 + before.Count('\n');
        int lastNewLine = before.LastIndexOf('\n');
        return (line, index - lastNewLine);
    }

    public static (int Line, int Column) Of(ReadOnlySpan<byte> utf8, int index)
    {
        var before = utf8[..Math.Clamp(index, 0, utf8.Length)];
        int line = 1 + before.Count((byte)'\n');
        var lineStart = before[(before.LastIndexOf((byte)'\n') + 1)..];
        return (line, System.Text.Encoding.UTF8.GetCharCount(lineStart) + 1);
    }
}
