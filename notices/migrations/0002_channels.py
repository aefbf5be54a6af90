
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('departments', '0001_initial'),
        ('notices', '0001_initial'),
        ('tasks', '0004_ledger_levels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Channel',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, unique=True, verbose_name='名称')),
                ('kind', models.CharField(choices=[('email', '电子邮件'), ('wecom', '企业微信群机器人'), ('dingtalk', '钉钉自定义机器人'), ('feishu', '飞书自定义机器人'), ('webhook', '通用 JSON Webhook')], max_length=20, verbose_name='类型')),
                ('address', models.CharField(blank=True, max_length=500, verbose_name='地址 / 密钥')),
                ('secret', models.CharField(blank=True, max_length=200, verbose_name='签名密钥')),
                ('active', models.BooleanField(default=True, verbose_name='启用')),
                ('departments', models.ManyToManyField(blank=True, related_name='channels', to='departments.department', verbose_name='服务部门')),
                ('users', models.ManyToManyField(blank=True, related_name='channels', to=settings.AUTH_USER_MODEL, verbose_name='服务人员')),
            ],
            options={
                'verbose_name': '通知渠道',
                'verbose_name_plural': '通知渠道',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='Delivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('event', models.CharField(max_length=200, verbose_name='事件')),
                ('recipient', models.CharField(max_length=300, verbose_name='收件人')),
                ('title', models.CharField(max_length=300, verbose_name='标题')),
                ('message', models.JSONField(verbose_name='消息')),
                ('status', models.CharField(choices=[('pending', '待发送'), ('sending', '发送中'), ('sent', '已送达'), ('failed', '失败')], default='pending', max_length=20, verbose_name='状态')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='尝试次数')),
                ('answer', models.TextField(blank=True, verbose_name='对方应答')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='送达时间')),
                ('channel', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='notices.channel', verbose_name='渠道')),
            ],
            options={
                'verbose_name': '投递记录',
                'verbose_name_plural': '投递记录',
                'ordering': ['-created_at', '-pk'],
                'constraints': [models.UniqueConstraint(fields=('channel', 'event'), name='delivery_once_per_channel')],
            },
        ),
        migrations.CreateModel(
            name='Escalation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('overdue', '逾期升级'), ('review', '待审核超时')], max_length=20, verbose_name='类型')),
                ('subject', models.PositiveBigIntegerField(help_text='逾期升级：节点编号；待审核超时：审核记录编号。', verbose_name='对象编号')),
                ('day', models.DateField(verbose_name='升级日期')),
                ('measure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='tasks.measure', verbose_name='工作措施')),
            ],
            options={
                'verbose_name': '升级记录',
                'verbose_name_plural': '升级记录',
                'ordering': ['-day', 'kind', 'measure_id'],
                'constraints': [models.UniqueConstraint(fields=('kind', 'subject'), name='escalation_once')],
            },
        ),
    ]
