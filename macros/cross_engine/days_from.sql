{#
    A FROM clause: every row of relation once per calendar day from first_day through
    last_day (columns of relation), the day in the column `column`.
#}
{% macro days_from(relation, first_day, last_day, column) -%}
    {{ return(adapter.dispatch('days_from', 'broker_segments')(relation, first_day, last_day, column)) }}
{%- endmacro %}

{% macro default__days_from(relation, first_day, last_day, column) -%}
    {{ relation }}
    cross join
        unnest(generate_series({{ first_day }}, {{ last_day }}, interval 1 day)) as days ({{ column }})
{%- endmacro %}

{% macro spark__days_from(relation, first_day, last_day, column) -%}
    {{ relation }}
    lateral view explode(sequence({{ first_day }}, {{ last_day }}, interval 1 day)) days as {{ column }}
{%- endmacro %}
