{# The text at a JSON path ('$.key') of a JSON string column; null where it is absent. #}
{% macro json_text(column, path) -%}
    {{ return(adapter.dispatch('json_text', 'broker_segments')(column, path)) }}
{%- endmacro %}

{% macro default__json_text(column, path) -%}
    json_extract_string({{ column }}, '{{ path }}')
{%- endmacro %}

{% macro spark__json_text(column, path) -%}
    get_json_object({{ column }}, '{{ path }}')
{%- endmacro %}
