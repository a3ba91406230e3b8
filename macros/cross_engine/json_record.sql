{# The listed columns of a row as one JSON object, nulls included ({"column": value, ...}). #}
{% macro json_record(columns) -%}
    {{ return(adapter.dispatch('json_record', 'broker_segments')(columns)) }}
{%- endmacro %}

{% macro default__json_record(columns) -%}
    to_json(struct_pack({{ columns | join(', ') }}))
{%- endmacro %}

{# Spark's to_json leaves null fields out unless told otherwise. #}
{% macro spark__json_record(columns) -%}
    to_json(
        named_struct({% for column in columns %}'{{ column }}', {{ column }}{{ ", " if not loop.last }}{% endfor %}),
        map('ignoreNullFields', 'false')
    )
{%- endmacro %}
