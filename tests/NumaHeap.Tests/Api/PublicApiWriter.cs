using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Numa.Tests.Api;

/// <summary>
/// Writes the public surface of an assembly as text, one declaration a line, in a stable order: every
/// public type with its base types and every public or protected member, with C#-like signatures and
/// nullable annotations. Two assemblies with the same text have the same public API.
/// </summary>
internal static class PublicApiWriter
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly NullabilityInfoContext s_nullability = new();

    private static readonly Dictionary<Type, string> s_keywords = new()
    {
        [typeof(void)] = "void", [typeof(bool)] = "bool", [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte",
        [typeof(short)] = "short", [typeof(ushort)] = "ushort", [typeof(int)] = "int", [typeof(uint)] = "uint",
        [typeof(long)] = "long", [typeof(ulong)] = "ulong", [typeof(nint)] = "nint", [typeof(nuint)] = "nuint",
        [typeof(float)] = "float", [typeof(double)] = "double", [typeof(decimal)] = "decimal", [typeof(char)] = "char",
        [typeof(string)] = "string", [typeof(object)] = "object",
    };

    public static string Write(Assembly assembly)
    {
        var text = new StringBuilder();
        text.Append("// Public API of ").Append(assembly.GetName().Name).Append('\n');
        foreach (IGrouping<string?, Type> ns in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal).GroupBy(t => t.Namespace))
        {
            text.Append("namespace ").Append(ns.Key).Append('\n');
            foreach (Type type in ns)
            {
                text.Append("  ").Append(Declaration(type)).Append('\n');
                foreach (string member in Members(type).OrderBy(m => m.Key, StringComparer.Ordinal).ThenBy(m => m.Line, StringComparer.Ordinal).Select(m => m.Line))
                {
                    text.Append("    ").Append(member).Append('\n');
                }
            }
        }

        return text.ToString();
    }

    private static string Declaration(Type type)
    {
        string kind = type switch
        {
            { IsInterface: true } => "interface",
            { IsEnum: true } => "enum",
            { IsValueType: true } => (type.IsDefined(typeof(IsReadOnlyAttribute)) ? "readonly " : string.Empty) + (type.IsByRefLike ? "ref struct" : "struct"),
            _ when typeof(Delegate).IsAssignableFrom(type) => "delegate",
            { IsAbstract: true, IsSealed: true } => "static class",
            { IsAbstract: true } => "abstract class",
            { IsSealed: true } => "sealed class",
            _ => "class",
        };

        var bases = new List<string>();
        if (type.IsEnum)
        {
            bases.Add(Name(Enum.GetUnderlyingType(type)));
        }
        else if (type.BaseType is Type baseType && baseType != typeof(object) && baseType != typeof(ValueType) && !type.IsSubclassOf(typeof(Delegate)))
        {
            bases.Add(Name(baseType));
        }

        if (!type.IsEnum && !type.IsSubclassOf(typeof(Delegate)))
        {
            bases.AddRange(type.GetInterfaces().Select(Name).Order(StringComparer.Ordinal));
        }

        string visibility = type.IsNested && type.IsNestedFamily ? "protected" : "public";
        string typeName = Name(type);
        if (type.Namespace is { Length: > 0 } ns && typeName.StartsWith(ns + ".", StringComparison.Ordinal))
        {
            typeName = typeName[(ns.Length + 1)..];
        }

        return $"{visibility} {kind} {typeName}{(bases.Count > 0 ? " : " + string.Join(", ", bases) : "")}{Constraints(type.IsGenericTypeDefinition ? type.GetGenericArguments() : [])}";
    }

    // Members sort by kind (constructors, fields, properties, events, methods), then name, then signature.
    private static IEnumerable<(string Key, string Line)> Members(Type type)
    {
        if (type.IsEnum)
        {
            foreach (FieldInfo field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                yield return ("1 " + field.Name, $"{field.Name} = {Convert.ToString(field.GetRawConstantValue(), CultureInfo.InvariantCulture)}");
            }

            yield break;
        }

        foreach (MemberInfo member in type.GetMembers(Declared))
        {
            string? line = member switch
            {
                ConstructorInfo { IsStatic: false } c when Visible(c) => $"{Visibility(c)} {type.Name.Split('`')[0]}({Parameters(c)})",
                MethodInfo m when Visible(m) && (!m.IsSpecialName || m.Name.StartsWith("op_", StringComparison.Ordinal)) => Method(m),
                PropertyInfo p => Property(p),
                FieldInfo f when f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly => Field(f),
                EventInfo e when e.AddMethod is { } add && Visible(add) => $"{Visibility(e.AddMethod)} {Modifiers(add)}event {Name(e.EventHandlerType!)} {e.Name}",
                _ => null,
            };
            if (line is not null && !member.Name.Contains('<', StringComparison.Ordinal))
            {
                string kind = member.MemberType switch
                {
                    MemberTypes.Constructor => "0",
                    MemberTypes.Field => "1",
                    MemberTypes.Property => "2",
                    MemberTypes.Event => "3",
                    _ => "4",
                };
                yield return (kind + " " + member.Name, line);
            }
        }
    }

    private static string Method(MethodInfo method)
    {
        string generic = method.IsGenericMethodDefinition ? "<" + string.Join(", ", method.GetGenericArguments().Select(a => a.Name)) + ">" : "";
        string constraints = Constraints(method.IsGenericMethodDefinition ? method.GetGenericArguments() : []);
        return $"{Visibility(method)} {Modifiers(method)}{Name(method.ReturnParameter)} {method.Name}{generic}({Parameters(method)}){constraints}";
    }

    private static string? Property(PropertyInfo property)
    {
        MethodInfo? get = property.GetMethod is { } g && Visible(g) ? g : null;
        MethodInfo? set = property.SetMethod is { } s && Visible(s) ? s : null;
        MethodInfo? any = get ?? set;
        if (any is null)
        {
            return null;
        }

        var accessors = new StringBuilder("{ ");
        if (get is not null)
        {
            accessors.Append("get; ");
        }

        if (set is not null)
        {
            bool init = set.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));
            accessors.Append(set.IsFamily ? "protected " : "").Append(init ? "init; " : "set; ");
        }

        accessors.Append('}');
        string required = property.IsDefined(typeof(RequiredMemberAttribute)) ? "required " : "";
        ParameterInfo[] index = property.GetIndexParameters();
        string name = index.Length > 0 ? $"this[{string.Join(", ", index.Select(Parameter))}]" : property.Name;
        return $"{Visibility(any)} {Modifiers(any)}{required}{Name(property)} {name} {accessors}";
    }

    private static string Field(FieldInfo field)
    {
        string visibility = field.IsPublic ? "public" : "protected";
        if (field.IsLiteral)
        {
            return $"{visibility} const {Name(field.FieldType)} {field.Name} = {Literal(field.GetRawConstantValue())}";
        }

        string modifiers = (field.IsStatic ? "static " : "") + (field.IsInitOnly ? "readonly " : "");
        return $"{visibility} {modifiers}{Name(field)} {field.Name}";
    }

    private static bool Visible(MethodBase method) => method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly;

    private static string Visibility(MethodBase method) => method.IsPublic ? "public" : "protected";

    private static string Modifiers(MethodInfo method)
    {
        if (method.IsStatic)
        {
            return "static ";
        }

        if (method.DeclaringType!.IsInterface)
        {
            return "";
        }

        bool isOverride = method.GetBaseDefinition().DeclaringType != method.DeclaringType;
        return method switch
        {
            { IsAbstract: true } => "abstract ",
            { IsFinal: true } when isOverride => "sealed override ",
            _ when isOverride => "override ",
            { IsVirtual: true, IsFinal: false } => "virtual ",
            _ => "",
        };
    }

    private static string Parameters(MethodBase method) => string.Join(", ", method.GetParameters().Select(Parameter));

    private static string Parameter(ParameterInfo parameter)
    {
        string prefix = parameter switch
        {
            { IsOut: true } => "out ",
            _ when parameter.ParameterType.IsByRef && parameter.IsIn => "in ",
            _ when parameter.ParameterType.IsByRef => "ref ",
            _ when parameter.IsDefined(typeof(ParamArrayAttribute)) => "params ",
            _ => "",
        };
        string defaultValue = parameter.HasDefaultValue ? " = " + Literal(parameter.RawDefaultValue) : "";
        return $"{prefix}{Name(parameter)} {parameter.Name}{defaultValue}";
    }

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture)!,
    };

    private static string Constraints(Type[] parameters)
    {
        var text = new StringBuilder();
        foreach (Type parameter in parameters)
        {
            var constraints = new List<string>();
            GenericParameterAttributes attributes = parameter.GenericParameterAttributes;
            if (attributes.HasFlag(GenericParameterAttributes.ReferenceTypeConstraint))
            {
                constraints.Add("class");
            }

            if (attributes.HasFlag(GenericParameterAttributes.NotNullableValueTypeConstraint))
            {
                constraints.Add("struct");
            }

            constraints.AddRange(parameter.GetGenericParameterConstraints().Where(c => c != typeof(ValueType)).Select(Name));
            if (attributes.HasFlag(GenericParameterAttributes.DefaultConstructorConstraint) && !attributes.HasFlag(GenericParameterAttributes.NotNullableValueTypeConstraint))
            {
                constraints.Add("new()");
            }

            if (constraints.Count > 0)
            {
                text.Append(" where ").Append(parameter.Name).Append(" : ").Append(string.Join(", ", constraints));
            }
        }

        return text.ToString();
    }

    private static string Name(ParameterInfo parameter) => Name(parameter.ParameterType, s_nullability.Create(parameter));

    private static string Name(PropertyInfo property) => Name(property.PropertyType, s_nullability.Create(property));

    private static string Name(FieldInfo field) => Name(field.FieldType, s_nullability.Create(field));

    private static string Name(Type type, NullabilityInfo nullability)
    {
        string name = Name(type.IsByRef ? type.GetElementType()! : type);
        return nullability.ReadState == NullabilityState.Nullable && !type.IsValueType && !name.EndsWith('?') ? name + "?" : name;
    }

    private static string Name(Type type)
    {
        if (s_keywords.TryGetValue(type, out string? keyword))
        {
            return keyword;
        }

        if (type.IsGenericParameter)
        {
            return type.Name;
        }

        if (type.IsByRef || type.IsPointer || type.IsArray)
        {
            string suffix = type.IsPointer ? "*" : type.IsArray ? "[" + new string(',', type.GetArrayRank() - 1) + "]" : "";
            return Name(type.GetElementType()!) + suffix;
        }

        if (Nullable.GetUnderlyingType(type) is Type underlying)
        {
            return Name(underlying) + "?";
        }

        string prefix = type.IsNested ? Name(type.DeclaringType!) + "." : type.Namespace is { Length: > 0 } ns ? ns + "." : "";
        string name = type.Name;
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick < 0)
        {
            return prefix + name;
        }

        // Nested types of generic types repeat the outer type's arguments: show only their own.
        Type[] arguments = type.GetGenericArguments();
        int own = int.Parse(name[(tick + 1)..], CultureInfo.InvariantCulture);
        return prefix + name[..tick] + "<" + string.Join(", ", arguments[^own..].Select(Name)) + ">";
    }
}
