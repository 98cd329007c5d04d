using System.Globalization;
using System.Text;

namespace LapsCsp.Server.Graph;

/// <summary>A small OData <c>$filter</c>: comparisons (<c>eq ne gt ge lt le</c>) of a property with a string, date, number
/// or boolean literal, <c>startswith(p,'x')</c>, <c>endswith(p,'x')</c>, <c>contains(p,'x')</c>, combined with <c>and</c>,
/// <c>or</c>, <c>not</c> and parentheses. Strings compare case-insensitively, as Graph's directory properties do.</summary>
internal sealed class ODataFilter
{
    private readonly Node _root;

    private ODataFilter(Node root) => _root = root;

    /// <summary>Parses <paramref name="text"/> for the given properties; null with a message when it cannot.</summary>
    public static ODataFilter? Parse(string text, IReadOnlyCollection<string> properties, out string? error)
    {
        error = null;
        try
        {
            var parser = new Parser(Tokenize(text), properties);
            var node = parser.ParseOr();
            if (!parser.AtEnd) throw new FormatException($"unexpected '{parser.Peek}'");
            return new ODataFilter(node);
        }
        catch (FormatException e)
        {
            error = $"Invalid filter clause: {e.Message}.";
            return null;
        }
    }

    /// <summary>The string value of the property the whole filter compares for equality, if it is just <c>p eq 'x'</c>.</summary>
    public string? EqualityOn(string property) =>
        _root is Comparison { Op: "eq", Literal: string s } c && string.Equals(c.Property, property, StringComparison.OrdinalIgnoreCase) ? s : null;

    public bool Matches(Func<string, object?> value) => _root.Evaluate(value);

    private abstract record Node
    {
        public abstract bool Evaluate(Func<string, object?> value);
    }

    private sealed record And(Node Left, Node Right) : Node
    {
        public override bool Evaluate(Func<string, object?> value) => Left.Evaluate(value) && Right.Evaluate(value);
    }

    private sealed record Or(Node Left, Node Right) : Node
    {
        public override bool Evaluate(Func<string, object?> value) => Left.Evaluate(value) || Right.Evaluate(value);
    }

    private sealed record Not(Node Inner) : Node
    {
        public override bool Evaluate(Func<string, object?> value) => !Inner.Evaluate(value);
    }

    private sealed record StringFunction(string Name, string Property, string Argument) : Node
    {
        public override bool Evaluate(Func<string, object?> value)
        {
            if (value(Property) is not string s) return false;
            return Name switch
            {
                "startswith" => s.StartsWith(Argument, StringComparison.OrdinalIgnoreCase),
                "endswith" => s.EndsWith(Argument, StringComparison.OrdinalIgnoreCase),
                _ => s.Contains(Argument, StringComparison.OrdinalIgnoreCase),
            };
        }
    }

    private sealed record Comparison(string Property, string Op, object? Literal) : Node
    {
        public override bool Evaluate(Func<string, object?> value)
        {
            var actual = value(Property);
            int? order = (actual, Literal) switch
            {
                (null, null) => 0,
                (null, _) or (_, null) => null,
                (string a, string b) => string.Compare(a, b, StringComparison.OrdinalIgnoreCase),
                (DateTimeOffset a, DateTimeOffset b) => a.CompareTo(b),
                (bool a, bool b) => a.CompareTo(b),
                (IConvertible a, double b) when (actual is not string) && (actual is not bool) => Convert.ToDouble(a, CultureInfo.InvariantCulture).CompareTo(b),
                _ => null,
            };
            return Op switch
            {
                "eq" => order == 0,
                "ne" => order != 0,
                "gt" => order > 0,
                "ge" => order >= 0,
                "lt" => order < 0,
                _ => order <= 0,
            };
        }
    }

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '(' or ')' or ',')
            {
                tokens.Add(c.ToString());
                i++;
            }
            else if (c == '\'')
            {
                var sb = new StringBuilder("'");
                i++;
                while (true)
                {
                    if (i >= text.Length) throw new FormatException("unterminated string literal");
                    if (text[i] == '\'')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '\'')
                        {
                            sb.Append('\'');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    sb.Append(text[i++]);
                }

                tokens.Add(sb.ToString());
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('(' or ')' or ',' or '\'')) i++;
                tokens.Add(text[start..i]);
            }
        }

        return tokens;
    }

    private sealed class Parser(List<string> tokens, IReadOnlyCollection<string> properties)
    {
        private int _position;

        public bool AtEnd => _position >= tokens.Count;

        public string Peek => AtEnd ? "end of input" : tokens[_position];

        public Node ParseOr()
        {
            var left = ParseAnd();
            while (Accept("or")) left = new Or(left, ParseAnd());
            return left;
        }

        private Node ParseAnd()
        {
            var left = ParseUnary();
            while (Accept("and")) left = new And(left, ParseUnary());
            return left;
        }

        private Node ParseUnary()
        {
            if (Accept("not")) return new Not(ParseUnary());
            if (Accept("("))
            {
                var inner = ParseOr();
                Expect(")");
                return inner;
            }

            var word = Next();
            if (word.ToLowerInvariant() is "startswith" or "endswith" or "contains" && Accept("("))
            {
                var property = Property(Next());
                Expect(",");
                var argument = Literal(Next()) as string ?? throw new FormatException($"{word} needs a string argument");
                Expect(")");
                return new StringFunction(word.ToLowerInvariant(), property, argument);
            }

            var name = Property(word);
            var op = Next().ToLowerInvariant();
            if (op is not ("eq" or "ne" or "gt" or "ge" or "lt" or "le")) throw new FormatException($"'{op}' is not a comparison operator");
            return new Comparison(name, op, Literal(Next()));
        }

        private string Property(string word) =>
            properties.FirstOrDefault(p => string.Equals(p, word, StringComparison.OrdinalIgnoreCase))
            ?? throw new FormatException($"'{word}' is not a property that can be filtered on (use {string.Join(", ", properties)})");

        private static object? Literal(string token)
        {
            if (token.StartsWith('\'')) return token[1..];
            if (token == "null") return null;
            if (token == "true") return true;
            if (token == "false") return false;
            if (token.Contains('T', StringComparison.Ordinal)
                && DateTimeOffset.TryParse(token, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                return date;
            }

            if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) return number;
            throw new FormatException($"'{token}' is not a literal");
        }

        private string Next() => AtEnd ? throw new FormatException("the clause ends too early") : tokens[_position++];

        private bool Accept(string token)
        {
            if (AtEnd || !string.Equals(tokens[_position], token, StringComparison.OrdinalIgnoreCase)) return false;
            _position++;
            return true;
        }

        private void Expect(string token)
        {
            if (!Accept(token)) throw new FormatException($"expected '{token}' but found '{Peek}'");
        }
    }
}
